import { request as httpRequest } from 'node:http';

export interface EarlyAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** Body bytes written before the answer came (the rest never left the client). */
  readonly bytesSent: number;
  /** What the request declared in content-length. */
  readonly bytesDeclared: number;
}

export interface EarlyAnswerRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** The whole body the request declares; only `sendBytes` of it are written. */
  readonly body: Buffer;
  /** How much of the body to write before waiting for the answer. */
  readonly sendBytes: number;
  /** How long to wait for an answer that never needs the rest of the body. */
  readonly waitMs?: number;
}

/**
 * Declares a whole body (content-length), writes only its first `sendBytes`, and resolves with
 * the server's answer while the rest is still unsent: proof that the server decided without
 * reading the body. A server that waits for the body never answers, and this rejects after
 * `waitMs`.
 */
export function answerBeforeBody(url: string, options: EarlyAnswerRequest): Promise<EarlyAnswer> {
  const { body, sendBytes } = options;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: options.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...options.headers, 'content-length': String(body.length) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${options.waitMs ?? 10_000} ms while ${body.length - sendBytes} body bytes were still unsent`));
    }, options.waitMs ?? 10_000);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, bytesSent: sendBytes, bytesDeclared: body.length });
      });
    });
    req.flushHeaders();
    req.write(body.subarray(0, sendBytes));
  });
}

/** Exactly `bytes` bytes of JSON arrays nested as deep as they fit: among the costliest bodies to parse. */
export function nestedJson(bytes: number): Buffer {
  const open = Math.floor(bytes / 2);
  return Buffer.from(`${'['.repeat(open)}${']'.repeat(open)}${' '.repeat(bytes - 2 * open)}`);
}
