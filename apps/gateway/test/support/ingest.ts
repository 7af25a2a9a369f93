import { expect } from '@jest/globals';
import { SourceEntity } from '@switchyard/db';
import { TEST_ADMIN_KEY, type TestGateway } from './test-app.js';
import type { Delivery } from './providers.js';

/** Types the svix SDK's IngestSourceOut can deserialize; ours (gitlab, twilio, …) go over plain HTTP. */
const SDK_TYPES = new Set(['github', 'stripe', 'shopify', 'slack', 'svix', 'clerk', 'resend', 'open-ai', 'zoom', 'meta', 'hubspot', 'generic-webhook', 'beehiiv', 'replicate']);

export interface CreatedSource {
  readonly id: string;
  readonly ingestUrl: string;
  readonly appId: string;
}

/** Creates a source with the svix SDK where it knows the type, else with the same JSON over HTTP. */
export async function createSource(t: TestGateway, type: string, config: Record<string, unknown>, name = `${type} source`): Promise<CreatedSource> {
  let id: string;
  let ingestUrl: string;
  if (SDK_TYPES.has(type)) {
    const source = await t.svix.ingest.source.create({ name, type, config } as never);
    id = source.id;
    ingestUrl = source.ingestUrl!;
  } else {
    const res = await fetch(`${t.baseUrl}/ingest/api/v1/source`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, type, config }),
    });
    const body = (await res.json()) as { id: string; ingestUrl: string };
    expect(res.status).toBe(201);
    id = body.id;
    ingestUrl = body.ingestUrl;
  }
  const row = await t.dataSource.getRepository(SourceEntity).findOneByOrFail({ id });
  return { id, ingestUrl, appId: row.appId };
}

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** Sends a delivery to the local listener of the given public ingest URL. */
export async function deliver(t: TestGateway, ingestUrl: string, d: Delivery): Promise<Answer> {
  const res = await fetch(t.localUrl(ingestUrl) + (d.search ?? ''), { method: d.method ?? 'POST', headers: d.headers, body: d.method === 'GET' ? undefined : d.body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json: <T>() => JSON.parse(text) as T };
}

/** The delivery with one byte of its body changed (a letter in the middle). */
export function tamper(d: Delivery): Delivery {
  const body = d.body;
  let at = Math.floor(body.length / 2);
  while (at < body.length && !/[a-z]/.test(body[at]!)) at++;
  if (at >= body.length) at = body.search(/[a-z]/);
  const changed = body.slice(0, at) + (body[at] === 'a' ? 'b' : 'a') + body.slice(at + 1);
  return { ...d, body: changed };
}

/** The delivery without one header. */
export function without(d: Delivery, header: string): Delivery {
  const headers = { ...d.headers };
  delete headers[header];
  return { ...d, headers };
}
