import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { timingSafeEqualStrings } from '@switchyard/signing';
import type { Queue } from 'bull';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where the queue dashboard is served. */
export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * True when the request carries the admin token: as a bearer token, or as the password of HTTP
 * Basic auth (so a browser can open the dashboard through its own login prompt).
 */
export function hasAdminToken(authorization: string | undefined, token: string): boolean {
  if (!authorization) return false;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return timingSafeEqualStrings(token, bearer[1]!);
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!basic) return false;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return decoded.includes(':') && timingSafeEqualStrings(token, password);
}

/** Mounts the Bull dashboard (@bull-board) at /admin/queues behind the admin token, on the admin listener's server. */
export async function setupQueueBoard(fastify: FastifyInstance, queues: readonly Queue[], adminToken: string): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullAdapter(q)), serverAdapter });
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (!hasAdminToken(request.headers.authorization, adminToken)) {
          await reply
            .status(401)
            .header('www-authenticate', 'Basic realm="switchyard queues", charset="UTF-8"')
            .send({ code: 'authentication_failed', detail: 'the queue dashboard needs the admin token' });
        }
      });
      await scope.register(serverAdapter.registerPlugin() as never);
    },
    { prefix: QUEUE_BOARD_PATH },
  );
}
