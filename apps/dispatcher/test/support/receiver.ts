import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The exact bytes received. */
  readonly body: Buffer;
  readonly receivedAt: number;
  /** The status answered (undefined while unanswered, or when the connection was dropped). */
  answered?: number;
}

/** How to answer one request. */
export type Reply =
  | { readonly status: number; readonly body?: string | Buffer; readonly headers?: Record<string, string> }
  /** Never answer; the socket is dropped when the receiver closes or the client gives up. */
  | { readonly hang: true }
  /** Drop the connection without an answer (the client sees a reset). */
  | { readonly reset: true }
  /** Answer 200 with a streamed body of this many bytes, honouring backpressure. */
  | { readonly streamBytes: number; readonly status?: number }
  /** Wait, then answer. */
  | { readonly delayMs: number; readonly then: Reply };

/** Decides the answer to the n-th request (0-based, counted per receiver). */
export type Script = (request: ReceivedRequest, index: number) => Reply;

/** What happened to one streamed response. */
export interface StreamReport {
  bytesWritten: number;
  /** True when the whole body was handed to the socket; false when the client hung up first. */
  finished: boolean;
  closed: boolean;
}

export const OK: Reply = { status: 200, body: 'ok' };

/** Fails the first `n` requests with `failure`, then answers `then`. */
export function failTimes(n: number, failure: Reply = { status: 500, body: 'boom' }, then: Reply = OK): Script {
  return (_request, index) => (index < n ? failure : then);
}

/**
 * A local HTTP receiver (node:http, loopback only) whose answers a test scripts, recording every
 * request byte-exact.
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  readonly streams: StreamReport[] = [];
  /** Answers requests to paths without a route of their own. */
  script: Script = () => OK;
  private readonly routes = new Map<string, { script: Script; count: number }>();
  private readonly sockets = new Set<Socket>();
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: http.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Starts a receiver on a free port of `host` (127.0.0.1 by default; '::1' for IPv6). */
  static async start(options: { host?: string; script?: Script } = {}): Promise<Receiver> {
    const host = options.host ?? '127.0.0.1';
    let receiver: Receiver | undefined;
    const server = http.createServer((req, res) => receiver!.handle(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    receiver = new Receiver(server, host, (server.address() as AddressInfo).port);
    if (options.script) receiver.script = options.script;
    server.on('connection', (socket) => {
      receiver!.sockets.add(socket);
      receiver!.peakSockets = Math.max(receiver!.peakSockets, receiver!.sockets.size);
      socket.on('close', () => receiver!.sockets.delete(socket));
    });
    return receiver;
  }

  /** Answers requests to `path` with `script`, its index counting only that path's requests. */
  route(path: string, script: Script): this {
    this.routes.set(path, { script, count: 0 });
    return this;
  }

  /** A URL of this receiver, on its own host unless another form is given (e.g. 'localhost'). */
  url(path = '/hook', host?: string): string {
    const h = host ?? (this.host.includes(':') ? `[${this.host}]` : this.host);
    return `http://${h}:${this.port}${path}`;
  }

  /** Connections open to this receiver now, and the most open at once since it started. */
  get openSockets(): number {
    return this.sockets.size;
  }

  peakSockets = 0;

  /** Requests whose path is `path`. */
  requestsTo(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.url === path);
  }

  /** Distinct webhook-id values received. */
  webhookIds(): Set<string> {
    return new Set(this.requests.map((r) => String(r.headers['webhook-id'])));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), receivedAt: Date.now() };
      const index = this.requests.length;
      this.requests.push(request);
      for (const wake of this.waiters) wake();
      const route = this.routes.get(request.url);
      this.reply(req, res, route ? route.script(request, route.count++) : this.script(request, index), request);
    });
  }

  private reply(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply, request: ReceivedRequest): void {
    if ('delayMs' in reply) {
      const timer = setTimeout(() => this.reply(req, res, reply.then, request), reply.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if ('hang' in reply) return;
    if ('reset' in reply) {
      req.socket.resetAndDestroy();
      return;
    }
    if ('streamBytes' in reply) {
      this.stream(res, reply.streamBytes, reply.status ?? 200);
      request.answered = reply.status ?? 200;
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
    res.end(reply.body ?? '');
    request.answered = reply.status;
  }

  private stream(res: http.ServerResponse, total: number, status: number): void {
    const report: StreamReport = { bytesWritten: 0, finished: false, closed: false };
    this.streams.push(report);
    res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    res.on('close', () => {
      report.closed = true;
    });
    const pump = () => {
      while (report.bytesWritten < total && !report.closed) {
        const n = Math.min(chunk.length, total - report.bytesWritten);
        report.bytesWritten += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once('drain', pump);
          return;
        }
      }
      if (!report.closed) res.end(() => (report.finished = true));
    };
    pump();
  }

  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  async waitForRequests(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.requests.length >= count) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`receiver got ${this.requests.length} of ${count} requests in ${timeoutMs} ms`));
      }, timeoutMs);
      const wake = () => {
        if (this.requests.length >= count) {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        }
      };
      this.waiters.add(wake);
    });
  }

  /** Stops listening and drops every open connection (hanging ones included). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
