import { describe, expect, it } from '@jest/globals';
import { SlotWaiters } from '../../src/engine/delivery/slot-waiters.js';

describe('SlotWaiters', () => {
  it('lets no more jobs wait for an endpoint than the slots this process freed of it lately', () => {
    let now = 1_000_000;
    const w = new SlotWaiters(500, 100, () => now);
    // Never freed a slot of it (a hanging endpoint, or one this process does not send to): no waiting.
    expect(w.shouldWait('ep_a')).toBe(false);
    expect(w.releasing('ep_a')).toBeUndefined();
    expect(w.shouldWait('ep_a')).toBe(true);
    expect(w.shouldWait('ep_b')).toBe(false);
    void w.wait('ep_a', 'mdst_1');
    // One release lately: room for one waiter.
    expect(w.shouldWait('ep_a')).toBe(false);
    w.releasing('ep_a')!.settle(true);
    w.releasing('ep_a');
    w.releasing('ep_a');
    void w.wait('ep_a', 'mdst_2');
    expect(w.shouldWait('ep_a')).toBe(true);
    // Releases count for the current and the previous window, then are forgotten.
    now += 500;
    expect(w.shouldWait('ep_a')).toBe(true);
    now += 1_000;
    expect(w.shouldWait('ep_a')).toBe(false);
    w.cancelAll();
  });

  it('holds at most maxWaiters workers over all endpoints', async () => {
    const w = new SlotWaiters(10_000, 2);
    for (let i = 0; i < 5; i++) {
      w.releasing('ep_a');
      w.releasing('ep_b');
    }
    const a = w.wait('ep_a', 'mdst_1');
    expect(w.shouldWait('ep_b')).toBe(true);
    const b = w.wait('ep_b', 'mdst_2');
    expect(w.size).toBe(2);
    expect(w.shouldWait('ep_a')).toBe(false);
    expect(w.shouldWait('ep_b')).toBe(false);
    w.cancelAll();
    expect(await a).toBe(false);
    expect(await b).toBe(false);
    expect(w.size).toBe(0);
    expect(w.shouldWait('ep_a')).toBe(true);
  });

  it('never waits when the wait is 0', async () => {
    const w = new SlotWaiters(0, 100);
    w.releasing('ep_a');
    expect(w.shouldWait('ep_a')).toBe(false);
    expect(await w.wait('ep_a', 'mdst_1')).toBe(false);
    expect(w.size).toBe(0);
  });

  it('hands slots to waiters oldest first, one per release, and only of that endpoint', async () => {
    const w = new SlotWaiters(10_000, 100);
    const first = w.wait('ep_a', 'mdst_1');
    const second = w.wait('ep_a', 'mdst_2');
    const other = w.wait('ep_b', 'mdst_3');
    expect(w.size).toBe(3);
    const a1 = w.releasing('ep_a');
    expect(a1?.deliveryId).toBe('mdst_1');
    a1!.settle(true);
    expect(await first).toBe(true);
    const a2 = w.releasing('ep_a');
    expect(a2?.deliveryId).toBe('mdst_2');
    // A hand-over that did not happen ends the wait with false.
    a2!.settle(false);
    expect(await second).toBe(false);
    expect(w.releasing('ep_a')).toBeUndefined();
    const b = w.releasing('ep_b');
    expect(b?.deliveryId).toBe('mdst_3');
    b!.settle(true);
    expect(await other).toBe(true);
    expect(w.size).toBe(0);
  });

  it('a waiter gives up after the wait and leaves the queue; one taken by a release no longer times out', async () => {
    const w = new SlotWaiters(40, 100);
    const started = Date.now();
    expect(await w.wait('ep_a', 'mdst_1')).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(w.size).toBe(0);
    expect(w.releasing('ep_a')).toBeUndefined();

    const taken = w.wait('ep_a', 'mdst_2');
    const waiter = w.releasing('ep_a')!;
    // The hand-over takes longer than the wait: the waiter must still get the slot.
    await new Promise((r) => setTimeout(r, 80));
    waiter.settle(true);
    expect(await taken).toBe(true);
    expect(w.size).toBe(0);
  });

  it('forgets old endpoints past its bound instead of growing', () => {
    const w = new SlotWaiters(1_000, 100, () => 0);
    w.releasing('ep_first');
    for (let i = 0; i < 10_000; i++) w.releasing(`ep_${i}`);
    expect(w.shouldWait('ep_first')).toBe(false);
    expect(w.shouldWait('ep_9999')).toBe(true);
  });
});
