import { describe, expect, it } from '@jest/globals';
import type { PreparedStatement, SqlRunner } from '@switchyard/db';
import type { WorkQueue } from '@switchyard/scheduler';
import { Publisher, type InboundToPublish, type MessageToPublish } from '../src/index.js';
import { FIRST_ACCEPTED, PUBLISH_INBOUND } from '../src/publish.statements.js';

/** A Publisher whose database answers from a script (PostgreSQL itself is exercised by both apps' end-to-end suites). */
function publisherWith(answers: ((statement: PreparedStatement, values: readonly unknown[]) => unknown[] | Error)[]) {
  const calls: { statement: PreparedStatement; values: readonly unknown[] }[] = [];
  const sql = (async (statement: PreparedStatement, values: readonly unknown[]) => {
    calls.push({ statement, values });
    const next = answers.shift();
    if (!next) throw new Error('unexpected statement');
    const answer = next(statement, values);
    if (answer instanceof Error) throw answer;
    return answer;
  }) as SqlRunner;
  const woken: { endpointId: string; delayMs: number }[][] = [];
  const fannedOut: string[][] = [];
  const work = {
    afterCommit: async (_what: string, enqueue: () => Promise<void>) => {
      await enqueue();
      return true;
    },
    wake: async (items: { endpointId: string; delayMs: number }[]) => void woken.push(items),
    wakeApps: async (ids: string[]) => void fannedOut.push(ids),
  } as unknown as WorkQueue;
  return { publisher: new Publisher({ sql, work, inlineMax: 3 }), calls, woken, fannedOut };
}

const pgError = (code: string, constraint: string) => Object.assign(new Error('pg'), { code, constraint });
const message: MessageToPublish = { id: 'msg_1', eventType: 'a', eventId: null, payload: '{}', channels: null, tags: null, deliverAt: null, createdAt: new Date() };
const inbound: InboundToPublish = {
  message: { id: 'msg_2', appId: 'app_1', eventType: 'github.push', payload: '{}' },
  request: { id: 'req_1', sourceId: 'src_1', method: 'POST', url: '/in/x', headers: {}, body: Buffer.from('{}'), providerEventId: 'gh-1', eventId: 'evt_1' },
};

describe('Publisher.publishMessage', () => {
  it('stores and wakes each endpoint of the deliveries the statement created, with their delays', async () => {
    const { publisher, woken } = publisherWith([
      () => [
        { inline: true, id: 'mdst_1', endpoint_id: 'ep_1', delay_ms: '0' },
        { inline: true, id: 'mdst_2', endpoint_id: 'ep_2', delay_ms: '1500' },
      ],
    ]);
    expect(await publisher.publishMessage({ by: 'id', value: 'app_1' }, message)).toEqual({ inserted: true, deliveries: 2 });
    expect(woken).toEqual([
      [
        { endpointId: 'ep_1', delayMs: 0 },
        { endpointId: 'ep_2', delayMs: 1500 },
      ],
    ]);
  });

  it('a message for more endpoints than inline goes to the fan-out queue', async () => {
    const { publisher, woken, fannedOut } = publisherWith([() => [{ inline: false, app_id: 'app_9', id: null, endpoint_id: null, delay_ms: '0' }]]);
    expect(await publisher.publishMessage({ by: 'uid', value: 'acme' }, message)).toEqual({ inserted: true, deliveries: 'fan-out' });
    // the application's fan-out turn, not a job per message
    expect(fannedOut).toEqual([['app_9']]);
    expect(woken).toEqual([]);
  });

  it('no such application: nothing stored, nothing enqueued', async () => {
    const { publisher, woken, fannedOut } = publisherWith([() => []]);
    expect(await publisher.publishMessage({ by: 'id', value: 'app_x' }, message)).toEqual({ inserted: false });
    expect([woken, fannedOut]).toEqual([[], []]);
  });

  it('routes again when an endpoint it routed to was deleted while the statement ran', async () => {
    const { publisher, calls } = publisherWith([() => pgError('23503', 'deliveries_endpoint_id_fkey'), () => [{ inline: true, id: null, endpoint_id: null, delay_ms: '0' }]]);
    expect(await publisher.publishMessage({ by: 'id', value: 'app_1' }, message)).toEqual({ inserted: true, deliveries: 0 });
    expect(calls).toHaveLength(2);
    // as many fresh delivery ids as FAN_OUT_INLINE_MAX
    expect(calls[0]!.values[9]).toHaveLength(3);
  });

  it('does not retry other errors, and retries the foreign key race once only', async () => {
    const dup = publisherWith([() => pgError('23505', 'messages_app_event_id_key')]);
    await expect(dup.publisher.publishMessage({ by: 'id', value: 'app_1' }, message)).rejects.toMatchObject({ code: '23505' });
    expect(dup.calls).toHaveLength(1);
    const fk = () => pgError('23503', 'deliveries_endpoint_id_fkey');
    const twice = publisherWith([fk, fk]);
    await expect(twice.publisher.publishMessage({ by: 'id', value: 'app_1' }, message)).rejects.toMatchObject({ code: '23503' });
    expect(twice.calls).toHaveLength(2);
  });
});

describe('Publisher.fanOutApp', () => {
  it("fans out a batch of the application's messages in one statement and wakes the endpoints", async () => {
    const { publisher, calls, woken } = publisherWith([
      () => [
        { id: 'msg_a', endpoint_ids: ['ep_1', 'ep_2'] },
        { id: 'msg_b', endpoint_ids: [] },
      ],
      () => [
        { id: 'mdst_1', endpoint_id: 'ep_1', delay_ms: '0' },
        { id: 'mdst_2', endpoint_id: 'ep_2', delay_ms: '0' },
      ],
    ]);
    expect(await publisher.fanOutApp('app_1', 2)).toEqual({ messages: 2, deliveries: 2, more: true });
    const [appId, ids, messageIds, endpointIds, marked] = calls[1]!.values as [string, string[], string[], string[], string[]];
    expect(appId).toBe('app_1');
    expect(ids).toHaveLength(2);
    expect(messageIds).toEqual(['msg_a', 'msg_a']);
    expect(endpointIds).toEqual(['ep_1', 'ep_2']);
    // a message routed nowhere is marked fanned out too
    expect(marked).toEqual(['msg_a', 'msg_b']);
    expect(woken).toEqual([[{ endpointId: 'ep_1', delayMs: 0 }, { endpointId: 'ep_2', delayMs: 0 }]]);
  });

  it('nothing to fan out: no second statement, and no more', async () => {
    const { publisher, calls } = publisherWith([() => []]);
    expect(await publisher.fanOutApp('app_1', 10)).toEqual({ messages: 0, deliveries: 0, more: false });
    expect(calls).toHaveLength(1);
  });
});

describe('Publisher.publishInbound', () => {
  it('an accepted webhook is committed first; its work is enqueued only when the caller says (after answering the provider)', async () => {
    const { publisher, woken, calls } = publisherWith([() => [{ inline: true, id: 'mdst_1', endpoint_id: 'ep_1', delay_ms: '0' }]]);
    const result = await publisher.publishInbound(inbound);
    expect(calls[0]!.statement).toBe(PUBLISH_INBOUND);
    expect(result.kind).toBe('accepted');
    expect(woken).toEqual([]);
    if (result.kind === 'accepted') await result.enqueue();
    expect(woken).toEqual([[{ endpointId: 'ep_1', delayMs: 0 }]]);
  });

  it('a provider event id accepted before stores nothing and answers the first acceptance', async () => {
    const { publisher, calls } = publisherWith([() => pgError('23505', 'inbound_requests_dedup_key'), () => [{ event_id: 'evt_first', message_id: 'msg_first' }]]);
    expect(await publisher.publishInbound(inbound)).toEqual({ kind: 'duplicate', firstEventId: 'evt_first', firstMessageId: 'msg_first' });
    expect(calls[1]!.statement).toBe(FIRST_ACCEPTED);
    expect(calls[1]!.values).toEqual(['src_1', 'gh-1']);
  });
});
