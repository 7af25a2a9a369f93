import { describe, expect, it } from '@jest/globals';
import { GroupCommitter, GroupCommitterFullError } from '../src/index.js';

/** A controllable batch function: each call waits until the test releases it. */
function gate<I>() {
  const calls: { items: I[]; release: (results?: unknown[]) => void; fail: (error: Error) => void }[] = [];
  const run = (items: readonly I[]) =>
    new Promise<unknown[]>((resolve, reject) => {
      calls.push({ items: [...items], release: (results) => resolve(results ?? items.map((i) => `ok:${String(i)}`)), fail: reject });
    });
  return { calls, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommitter', () => {
  it('sends a lone item at once when idle (no timer, no wait)', async () => {
    const g = gate<number>();
    const c = new GroupCommitter<number, unknown>({ run: g.run, maxBatch: 10 });
    const p = c.submit(1);
    // synchronously started: the batch function was already called
    expect(g.calls).toHaveLength(1);
    expect(g.calls[0]!.items).toEqual([1]);
    g.calls[0]!.release();
    await expect(p).resolves.toBe('ok:1');
  });

  it('batches what arrives while a batch runs, and sends it the moment that batch ends', async () => {
    const g = gate<number>();
    const c = new GroupCommitter<number, unknown>({ run: g.run, maxBatch: 10 });
    const first = c.submit(1);
    const rest = [2, 3, 4].map((n) => c.submit(n));
    expect(g.calls).toHaveLength(1);
    expect(c.waiting).toBe(3);
    g.calls[0]!.release();
    await first;
    expect(g.calls).toHaveLength(2);
    expect(g.calls[1]!.items).toEqual([2, 3, 4]);
    g.calls[1]!.release();
    await expect(Promise.all(rest)).resolves.toEqual(['ok:2', 'ok:3', 'ok:4']);
  });

  it('caps a batch at maxBatch and runs up to maxInFlight batches at once', async () => {
    const g = gate<number>();
    const c = new GroupCommitter<number, unknown>({ run: g.run, maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((n) => c.submit(n));
    // 1 and 2 each went alone (two slots free), then 3..6 wait
    expect(g.calls.map((x) => x.items)).toEqual([[1], [2]]);
    g.calls[0]!.release();
    await tick();
    expect(g.calls.map((x) => x.items)).toEqual([[1], [2], [3, 4]]);
    g.calls[1]!.release();
    await tick();
    expect(g.calls.map((x) => x.items)).toEqual([[1], [2], [3, 4], [5, 6]]);
    g.calls[2]!.release();
    g.calls[3]!.release();
    await expect(Promise.all(all)).resolves.toHaveLength(6);
  });

  it("one slow batch does not hold items past it when more may run, and each caller gets its own item's outcome", async () => {
    const g = gate<string>();
    const c = new GroupCommitter<string, unknown>({ run: g.run, maxBatch: 10, maxInFlight: 2 });
    const slow = c.submit('slow');
    const fast = c.submit('fast');
    g.calls[1]!.release();
    await expect(fast).resolves.toBe('ok:fast');
    const after = c.submit('after');
    expect(g.calls[2]!.items).toEqual(['after']);
    g.calls[2]!.release(['x']);
    await expect(after).resolves.toBe('x');
    g.calls[0]!.release([new Error('this one row was refused')]);
    await expect(slow).rejects.toThrow('this one row was refused');
  });

  it('a batch that throws rejects every item in it, and the next batch still runs', async () => {
    const g = gate<number>();
    const c = new GroupCommitter<number, unknown>({ run: g.run, maxBatch: 10 });
    const first = c.submit(0);
    const batch = [1, 2, 3].map((n) => c.submit(n));
    g.calls[0]!.release();
    await first;
    g.calls[1]!.fail(new Error('connection lost'));
    for (const p of batch) await expect(p).rejects.toThrow('connection lost');
    const next = c.submit(4);
    g.calls[2]!.release();
    await expect(next).resolves.toBe('ok:4');
  });

  it('bisect: a batch refused because of one item commits the others and fails only that one', async () => {
    const seen: number[][] = [];
    const c = new GroupCommitter<number, number>({
      maxBatch: 16,
      onBatchError: 'bisect',
      run: async (items) => {
        seen.push([...items]);
        if (items.includes(13)) throw new Error('13 is refused');
        return items.map((n) => n * 10);
      },
    });
    const hold = c.submit(0);
    const items = [...Array(16).keys()].map((n) => c.submit(n + 1));
    await hold;
    const settled = await Promise.allSettled(items);
    const rejected = settled.flatMap((s, i) => (s.status === 'rejected' ? [i + 1] : []));
    expect(rejected).toEqual([13]);
    expect(settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<number>).value)).toEqual(
      [...Array(16).keys()]
        .map((n) => n + 1)
        .filter((n) => n !== 13)
        .map((n) => n * 10),
    );
    // log2(16) levels of halving, not one statement per item
    expect(seen.length).toBeLessThan(16);
  });

  it('refuses past maxQueue instead of growing', async () => {
    const g = gate<number>();
    const c = new GroupCommitter<number, unknown>({ run: g.run, maxBatch: 10, maxQueue: 2 });
    const first = c.submit(1);
    const a = c.submit(2);
    const b = c.submit(3);
    await expect(c.submit(4)).rejects.toBeInstanceOf(GroupCommitterFullError);
    g.calls[0]!.release();
    await first;
    g.calls[1]!.release();
    await expect(Promise.all([a, b])).resolves.toEqual(['ok:2', 'ok:3']);
  });

  it("start: 'tick' lets completions of one I/O phase share a batch", async () => {
    const g = gate<number>();
    const c = new GroupCommitter<number, unknown>({ run: g.run, maxBatch: 10, start: 'tick' });
    const all = [1, 2, 3].map((n) => c.submit(n));
    expect(g.calls).toHaveLength(0);
    await tick();
    expect(g.calls.map((x) => x.items)).toEqual([[1, 2, 3]]);
    g.calls[0]!.release();
    await expect(Promise.all(all)).resolves.toHaveLength(3);
  });

  it('drain waits for what is queued and running', async () => {
    const g = gate<number>();
    const c = new GroupCommitter<number, unknown>({ run: g.run, maxBatch: 10 });
    void c.submit(1);
    void c.submit(2);
    let drained = false;
    const d = c.drain().then(() => (drained = true));
    g.calls[0]!.release();
    await tick();
    expect(drained).toBe(false);
    g.calls[1]!.release();
    await d;
    expect(drained).toBe(true);
    await expect(c.drain()).resolves.toBeUndefined();
  });

  it('reports each statement to observe()', async () => {
    const events: { size: number; ok: boolean }[] = [];
    const c = new GroupCommitter<number, number>({ maxBatch: 4, run: async (items) => items.map((n) => n), observe: (e) => events.push({ size: e.size, ok: e.ok }) });
    await Promise.all([1, 2, 3].map((n) => c.submit(n)));
    expect(events.reduce((n, e) => n + e.size, 0)).toBe(3);
    expect(events.every((e) => e.ok)).toBe(true);
  });

  it('items with the same key never share a batch: the later one waits for the next, in order', async () => {
    const g = gate<string>();
    const c = new GroupCommitter<string, unknown>({ run: g.run, maxBatch: 10, key: (s) => s.split(':')[0] });
    const hold = c.submit('z:0');
    const all = ['a:1', 'b:1', 'a:2', 'c:1', 'a:3', 'b:2'].map((s) => c.submit(s));
    g.calls[0]!.release();
    await hold;
    expect(g.calls[1]!.items).toEqual(['a:1', 'b:1', 'c:1']);
    g.calls[1]!.release();
    await tick();
    expect(g.calls[2]!.items).toEqual(['a:2', 'b:2']);
    g.calls[2]!.release();
    await tick();
    expect(g.calls[3]!.items).toEqual(['a:3']);
    g.calls[3]!.release();
    await expect(Promise.all(all)).resolves.toEqual(['ok:a:1', 'ok:b:1', 'ok:a:2', 'ok:c:1', 'ok:a:3', 'ok:b:2']);
  });

  it('with batches in parallel, an item waits while a running batch holds its key (the earlier submit wins)', async () => {
    const g = gate<string>();
    const c = new GroupCommitter<string, unknown>({ run: g.run, maxBatch: 10, maxInFlight: 2, key: (s) => s.split(':')[0] });
    const first = c.submit('a:1');
    const second = c.submit('a:2');
    const other = c.submit('b:1');
    // a free slot, but a:2's key is in the running batch: only b:1 goes
    expect(g.calls.map((x) => x.items)).toEqual([['a:1'], ['b:1']]);
    expect(c.waiting).toBe(1);
    g.calls[1]!.release();
    await other;
    expect(g.calls).toHaveLength(2);
    g.calls[0]!.release();
    await first;
    expect(g.calls[2]!.items).toEqual(['a:2']);
    g.calls[2]!.release();
    await expect(second).resolves.toBe('ok:a:2');
    await c.drain();
  });

  it('bounds a batch by bytes, and still sends an item larger than the bound alone', async () => {
    const g = gate<number>();
    const c = new GroupCommitter<number, unknown>({ run: g.run, maxBatch: 10, size: (n) => n, maxBatchBytes: 10 });
    const hold = c.submit(0);
    const all = [4, 5, 3, 20, 1].map((n) => c.submit(n));
    g.calls[0]!.release();
    await hold;
    expect(g.calls[1]!.items).toEqual([4, 5]);
    g.calls[1]!.release();
    await tick();
    expect(g.calls[2]!.items).toEqual([3]);
    g.calls[2]!.release();
    await tick();
    expect(g.calls[3]!.items).toEqual([20]);
    g.calls[3]!.release();
    await tick();
    expect(g.calls[4]!.items).toEqual([1]);
    g.calls[4]!.release();
    await expect(Promise.all(all)).resolves.toHaveLength(5);
  });

  it('onBatchError chooses per error: retry runs the batch once more, then fails every item', async () => {
    let runs = 0;
    const transient = new Error('transient');
    const c = new GroupCommitter<number, number>({
      maxBatch: 10,
      onBatchError: (e) => (e === transient ? 'retry' : 'fail'),
      run: async (items) => {
        runs++;
        if (runs === 1) throw transient;
        return items.map((n) => n + 1);
      },
    });
    await expect(c.submit(1)).resolves.toBe(2);
    expect(runs).toBe(2);
    const always = new GroupCommitter<number, number>({
      maxBatch: 10,
      onBatchError: () => 'retry',
      run: async () => {
        runs++;
        throw transient;
      },
    });
    runs = 0;
    const hold = always.submit(0);
    const rest = [1, 2].map((n) => always.submit(n));
    await expect(hold).rejects.toBe(transient);
    const settled = await Promise.allSettled(rest);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    // twice per batch (the batch of 0, then the batch of 1 and 2), never more
    expect(runs).toBe(4);
  });
});
