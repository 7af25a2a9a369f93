// The delivery receiver: node:http on 127.0.0.1 (one server per port, so each port is an origin
// of its own, like distinct customer endpoints). Answers 200 with an empty body, at once or after
// a set delay, and counts every request by (port, webhook-id) — one message goes to many endpoints
// under one webhook-id — : unique deliveries, duplicates, and the monotonic arrival time of each
// one's first copy (process.hrtime is CLOCK_MONOTONIC, one clock for every
// process on the machine). Driven by its parent over IPC.
// A port can also be given a delay of its own, or be set to hang: it reads the request and never
// answers (a stuck customer endpoint), and counts the connections open to it.
import { createServer } from 'node:http';

const arrivals = new Map(); // `${port} ${webhook-id}` -> { id, port, first: ms (monotonic), count, tag }
let delayMs = 0;
/** port -> delay in ms, or HANG; overrides delayMs for that port until the next reset. */
let portDelays = new Map();
const HANG = 'hang';
/** port -> { unique, duplicates, firstMs, lastMs }: one endpoint's own counts (the isolation arms look at each endpoint apart). */
let perPort = new Map();
/** Connections open now and at most, per port, counted from accept to close (kept across resets: a socket outlives them). */
const sockets = new Map(); // port -> { open, peak }
/** Connections open at once to the hanging ports together, and the most seen since the last reset. */
let hangingOpen = 0;
let hangingPeak = 0;
let tagField = null; // a top-level field of the JSON body to keep (e.g. the CloudEvent providereventid)
let total = 0;
let duplicates = 0;
let firstMs = Infinity;
let lastMs = -Infinity;
let nonWebhook = 0;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function portCounts(port) {
  let c = perPort.get(port);
  if (!c) perPort.set(port, (c = { unique: 0, duplicates: 0, firstMs: null, lastMs: null }));
  return c;
}

function onRequest(req, res) {
  const at = nowMs();
  const port = req.socket.localPort;
  const chunks = tagField ? [] : null;
  req.on('data', (d) => chunks?.push(d));
  req.on('end', () => {
    total += 1;
    const id = req.headers['webhook-id'];
    if (typeof id !== 'string') {
      nonWebhook += 1;
    } else {
      const key = `${port} ${id}`;
      const seen = arrivals.get(key);
      const counts = portCounts(port);
      if (seen) {
        seen.count += 1;
        duplicates += 1;
        counts.duplicates += 1;
      } else {
        let tag;
        if (chunks) {
          try {
            tag = JSON.parse(Buffer.concat(chunks).toString('utf8'))[tagField];
          } catch {
            tag = undefined;
          }
        }
        arrivals.set(key, { id, port, first: at, count: 1, tag });
        if (at < firstMs) firstMs = at;
        if (at > lastMs) lastMs = at;
        counts.unique += 1;
        if (counts.firstMs === null || at < counts.firstMs) counts.firstMs = at;
        if (counts.lastMs === null || at > counts.lastMs) counts.lastMs = at;
      }
    }
    const delay = portDelays.get(port) ?? delayMs;
    // A hanging port keeps the request (and its socket) open until the sender gives up.
    if (delay === HANG) return;
    const answer = () => {
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    };
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
}

function onConnection(socket) {
  const port = socket.localPort;
  let s = sockets.get(port);
  if (!s) sockets.set(port, (s = { open: 0, peak: 0 }));
  s.open += 1;
  if (s.open > s.peak) s.peak = s.open;
  const hanging = portDelays.get(port) === HANG;
  if (hanging) hangingPeak = Math.max(hangingPeak, ++hangingOpen);
  socket.once('close', () => {
    s.open -= 1;
    if (hanging) hangingOpen -= 1;
  });
}

const servers = [];

const handlers = {
  async listen({ ports }) {
    const out = [];
    for (let i = 0; i < ports; i++) {
      const server = createServer({ keepAliveTimeout: 10_000 }, onRequest);
      server.maxRequestsPerSocket = 0;
      server.on('connection', onConnection);
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      out.push(server.address().port);
    }
    return out;
  },
  /** delays: { [port]: ms | 'hang' } for ports that answer otherwise than `delay`. */
  reset({ delay = 0, tag = null, delays = {} }) {
    arrivals.clear();
    delayMs = delay;
    portDelays = new Map(Object.entries(delays).map(([port, d]) => [Number(port), d]));
    perPort = new Map();
    hangingPeak = hangingOpen;
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
  /** [webhook-id, firstArrivalMs, count, tag] for every delivery seen (to the given ports only, if any). */
  arrivals({ ports = null } = {}) {
    const only = ports ? new Set(ports) : null;
    return [...arrivals.values()].filter((a) => !only || only.has(a.port)).map((a) => [a.id, a.first, a.count, a.tag]);
  },
  /** Per port: unique deliveries, duplicates, first and last arrival, connections open now and at most. */
  portStats({ ports }) {
    const out = {};
    for (const port of ports) out[port] = { ...portCounts(port), open: sockets.get(port)?.open ?? 0, peakOpen: sockets.get(port)?.peak ?? 0 };
    return { ports: out, hangingOpen, hangingPeak, now: nowMs() };
  },
  async close() {
    // A hanging request would hold close() open forever.
    for (const s of servers) s.closeAllConnections();
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
