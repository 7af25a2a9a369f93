// The gateway's LIMITS, on node:http with no framework:
// - BENCH_MODE=bare (the limit the issue names): collect the raw body, HMAC-SHA256 it with the
//   secret, compare with X-Hub-Signature-256 in constant time, require X-GitHub-Delivery, answer
//   200 with a JSON body like the gateway's. No database, no queue.
// - BENCH_MODE=durable (what the gateway's durability promise costs at the least): the same check,
//   then ONE prepared INSERT of the request (headers, body, the event as text) into a bench table,
//   committed before the 200, then one Bull add of the id after the answer, as the gateway does.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import Queue from 'bull';
import pg from 'pg';

const secret = process.env.BENCH_GITHUB_SECRET;
const port = Number(process.env.PORT);
const mode = process.env.BENCH_MODE ?? 'bare';
if (!secret || !port) throw new Error('BENCH_GITHUB_SECRET and PORT are required');

let accepted = 0;
const pool = mode === 'durable' ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }) : null;
const queue = mode === 'durable' ? new Queue('fan-out', process.env.REDIS_URL, { prefix: process.env.QUEUE_PREFIX }) : null;
const INSERT = {
  name: 'bench-durable-insert',
  text: `INSERT INTO bench_inbound (id, source_id, provider_event_id, headers, body, payload) VALUES ($1, $2, $3, $4, $5, $6)`,
};

function reject(res) {
  res.writeHead(401, { 'content-type': 'application/json; charset=utf-8' }).end('{"code":"invalid_signature","detail":"signature does not match"}');
}

async function commit(req, body) {
  const id = `msg_${randomUUID()}`;
  const delivery = req.headers['x-github-delivery'];
  const event = JSON.stringify({
    specversion: '1.0',
    id,
    source: '/sources/bench',
    type: `github.${req.headers['x-github-event']}`,
    providereventid: delivery,
    data: JSON.parse(body.toString('utf8')),
  });
  await pool.query({ ...INSERT, values: [id, 'src_bench', delivery, JSON.stringify(req.headers), body, event] });
  return id;
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/api/v1/health') {
    res.writeHead(204).end();
    return;
  }
  const chunks = [];
  req.on('data', (d) => chunks.push(d));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const header = req.headers['x-hub-signature-256'];
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    const given = typeof header === 'string' ? Buffer.from(header) : Buffer.alloc(0);
    const ok = given.length === expected.length && timingSafeEqual(given, expected) && typeof req.headers['x-github-delivery'] === 'string';
    if (!ok) return reject(res);
    accepted += 1;
    if (mode !== 'durable') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(`{"status":"accepted","eventId":"evt_${accepted}"}`);
      return;
    }
    commit(req, body).then(
      (id) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(`{"status":"accepted","eventId":"${id}"}`);
        queue.add('fan-out', { messageId: id }, { jobId: `fo:${id}`, removeOnComplete: true, removeOnFail: true }).catch(() => undefined);
      },
      (error) => res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ code: 'internal_error', detail: error.message })),
    );
  });
});
server.keepAliveTimeout = 10_000;
server.listen(port, '127.0.0.1', () => console.log(`${mode}: listening on ${port}`));
process.on('SIGTERM', () =>
  server.close(async () => {
    await Promise.allSettled([pool?.end(), queue?.close()]);
    process.exit(0);
  }),
);
