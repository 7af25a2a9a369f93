// The delivery receiver: node:http on 127.0.0.1 (one server per port, so each port is an origin
// of its own, like distinct customer endpoints). Answers 200 with an empty body, at once or after
// a set delay, and counts every request by (port, webhook-id) — one message goes to many endpoints
// under one webhook-id — : unique deliveries, duplicates, and the monotonic arrival time of each
// one's first copy (process.hrtime is CLOCK_MONOTONIC, one clock for every
// process on the machine). Driven by its parent over IPC.
import { createServer } from 'node:http';

const arrivals = new Map(); // `${port} ${webhook-id}` -> { id, first: ms (monotonic), count, tag }
let delayMs = 0;
let tagField = null; // a top-level field of the JSON body to keep (e.g. the CloudEvent providereventid)
let total = 0;
let duplicates = 0;
let firstMs = Infinity;
let lastMs = -Infinity;
let nonWebhook = 0;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function onRequest(req, res) {
  const at = nowMs();
  const chunks = tagField ? [] : null;
  req.on('data', (d) => chunks?.push(d));
  req.on('end', () => {
    total += 1;
    const id = req.headers['webhook-id'];
    if (typeof id !== 'string') {
      nonWebhook += 1;
    } else {
      const key = `${req.socket.localPort} ${id}`;
      const seen = arrivals.get(key);
      if (seen) {
        seen.count += 1;
        duplicates += 1;
      } else {
        let tag;
        if (chunks) {
          try {
            tag = JSON.parse(Buffer.concat(chunks).toString('utf8'))[tagField];
          } catch {
            tag = undefined;
          }
        }
        arrivals.set(key, { id, first: at, count: 1, tag });
        if (at < firstMs) firstMs = at;
        if (at > lastMs) lastMs = at;
      }
    }
    const answer = () => {
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
}

const servers = [];

const handlers = {
  async listen({ ports }) {
    const out = [];
    for (let i = 0; i < ports; i++) {
      const server = createServer({ keepAliveTimeout: 10_000 }, onRequest);
      server.maxRequestsPerSocket = 0;
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      out.push(server.address().port);
    }
    return out;
  },
  reset({ delay = 0, tag = null }) {
    arrivals.clear();
    delayMs = delay;
    tagField = tag;
    total = 0;
    duplicates = 0;
    nonWebhook = 0;
    firstMs = Infinity;
    lastMs = -Infinity;
    return true;
  },
  stats() {
    return { unique: arrivals.size, duplicates, total, nonWebhook, firstMs: Number.isFinite(firstMs) ? firstMs : null, lastMs: Number.isFinite(lastMs) ? lastMs : null, now: nowMs() };
  },
  /** [webhook-id, firstArrivalMs, count, tag] for every delivery seen. */
  arrivals() {
    return [...arrivals.values()].map((a) => [a.id, a.first, a.count, a.tag]);
  },
  async close() {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
    return true;
  },
};

process.on('message', async (m) => {
  try {
    const result = await handlers[m.type](m);
    process.send({ seq: m.seq, result });
  } catch (error) {
    process.send({ seq: m.seq, error: error.message });
  }
});
process.on('disconnect', () => process.exit(0));
