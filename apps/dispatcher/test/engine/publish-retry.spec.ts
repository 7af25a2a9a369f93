import { describe, expect, it } from '@jest/globals';
import type { DispatcherSettings } from '../../src/config/dispatcher-settings.js';
import { DeliveryCommands } from '../../src/engine/delivery/delivery-commands.js';
import type { DeliveryRepository } from '../../src/engine/delivery/delivery.repository.js';
import type { FanOutRepository, PublishResult } from '../../src/engine/fan-out/fan-out.repository.js';
import type { DispatchQueue } from '../../src/engine/queue/dispatch-queue.js';

/** DeliveryCommands.publish with its own collaborators replaced (PostgreSQL is exercised in commands.e2e-spec). */
function commandsWith(outcomes: (PublishResult | Error)[]) {
  const calls: string[][] = [];
  const fanOut = {
    publish: async (_app: unknown, _m: unknown, _max: number, ids: readonly string[]) => {
      calls.push([...ids]);
      const next = outcomes.shift()!;
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as FanOutRepository;
  const queue = { afterCommit: async () => true, enqueueDeliveries: async () => undefined, enqueueFanOut: async () => undefined } as unknown as DispatchQueue;
  const commands = new DeliveryCommands({} as DeliveryRepository, fanOut, queue, { fanOutInlineMax: 3 } as DispatcherSettings);
  return { commands, calls };
}

const pgError = (code: string, constraint: string) => Object.assign(new Error('pg'), { code, constraint });
const message = { id: 'msg_1', eventType: 'a', eventId: null, payload: '{}', channels: null, tags: null, deliverAt: null, createdAt: new Date() };

describe('DeliveryCommands.publish', () => {
  it('routes again when an endpoint it routed to was deleted while the statement ran', async () => {
    const { commands, calls } = commandsWith([pgError('23503', 'deliveries_endpoint_id_fkey'), { inserted: true, deliveries: [] }]);
    expect(await commands.publish({ by: 'id', value: 'app_1' }, message)).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toHaveLength(3);
  });

  it('does not retry other errors', async () => {
    const { commands, calls } = commandsWith([pgError('23505', 'messages_app_event_id_key')]);
    await expect(commands.publish({ by: 'id', value: 'app_1' }, message)).rejects.toMatchObject({ code: '23505' });
    expect(calls).toHaveLength(1);
  });

  it('retries once only', async () => {
    const fk = () => pgError('23503', 'deliveries_endpoint_id_fkey');
    const { commands, calls } = commandsWith([fk(), fk()]);
    await expect(commands.publish({ by: 'id', value: 'app_1' }, message)).rejects.toMatchObject({ code: '23503' });
    expect(calls).toHaveLength(2);
  });
});
