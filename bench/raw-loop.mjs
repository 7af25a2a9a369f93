// The dispatcher's LIMIT: a raw undici 7 loop. `concurrency` async loops (the dispatcher's
// DELIVERY_CONCURRENCY) share one Agent; each signs the body the Standard Webhooks way (webhook-id,
// webhook-timestamp, v1 HMAC-SHA256 over `id.timestamp.body`, per request as the dispatcher does
// per attempt), POSTs it to the next endpoint URL in turn, and reads the response to the end.
// No queue, no database. Driven by its parent over IPC.
import { createHmac } from 'node:crypto';
import { Agent } from 'undici';

function signer(secret) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return (id, timestamp, body) => `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

let runNo = 0;

async function run({ targets, concurrency, count, secret, body }) {
  runNo += 1;
  const sign = signer(secret);
  const agent = new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 4_000 });
  const parsed = targets.map((t) => new URL(t));
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  async function loop() {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const url = parsed[i % parsed.length];
      const id = `msg_raw${runNo}_${i}`;
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const res = await agent.request({
          origin: url.origin,
          path: url.pathname,
          method: 'POST',
          headers: {
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': sign(id, timestamp, body),
            'content-type': 'application/json',
            'user-agent': 'Switchyard-bench/raw',
          },
          body,
        });
        await res.body.text();
        if (res.statusCode >= 200 && res.statusCode < 300) ok += 1;
        else failed += 1;
      } catch {
        failed += 1;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return { ok, failed, seconds, perSecond: ok / seconds };
}

process.on('message', async (m) => {
  try {
    if (m.type !== 'run') throw new Error(`unknown command ${m.type}`);
    process.send({ seq: m.seq, result: await run(m) });
  } catch (error) {
    process.send({ seq: m.seq, error: error.message });
  }
});
process.on('disconnect', () => process.exit(0));
