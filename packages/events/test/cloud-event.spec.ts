import { describe, expect, it } from '@jest/globals';
import { CloudEvent as SdkCloudEvent, HTTP, ValidationError } from 'cloudevents';
import { buildCloudEvent, newId, type CloudEvent, type CloudEventInput } from '../src/index.js';

const TIME = new Date('2025-03-04T05:06:07.089Z');

function build<T>(overrides: Partial<CloudEventInput<T>> = {}): CloudEvent<T> {
  return buildCloudEvent<T>({
    id: 'evt_01JNPZ1F0X6M3Q8R2T5V7W9Y0A',
    sourceId: 'src_01JNPZ0000AAAAAAAAAAAAAAAA',
    type: 'github.pull_request.opened',
    provider: 'github',
    time: TIME,
    ...overrides,
  } as CloudEventInput<T>);
}

/** Validates with the cloudevents SDK; returns the SDK's event or throws its ValidationError. */
function sdkValidate(event: object): SdkCloudEvent<unknown> {
  const sdkEvent = new SdkCloudEvent(event as never);
  expect(sdkEvent.validate()).toBe(true);
  return sdkEvent;
}

/** Parses the envelope as a structured-mode HTTP message, as a receiver would. */
function overHttp(event: object) {
  return HTTP.toEvent({ headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' }, body: JSON.stringify(event) }) as SdkCloudEvent<unknown>;
}

describe('buildCloudEvent: validated by the cloudevents SDK', () => {
  it('builds the docs/api.md §6 envelope exactly', () => {
    const event = build({ subject: 'octo-org/hello-world', providerEventId: '123:72d3162e-cc78-11e3-81ab-4c9367dc0958', data: { action: 'opened' } });
    expect(event).toEqual({
      specversion: '1.0',
      id: 'evt_01JNPZ1F0X6M3Q8R2T5V7W9Y0A',
      source: '/sources/src_01JNPZ0000AAAAAAAAAAAAAAAA',
      type: 'github.pull_request.opened',
      time: '2025-03-04T05:06:07.089Z',
      subject: 'octo-org/hello-world',
      datacontenttype: 'application/json',
      provider: 'github',
      providereventid: '123:72d3162e-cc78-11e3-81ab-4c9367dc0958',
      data: { action: 'opened' },
    });
  });

  it('the SDK accepts it, keeping the provider and providereventid extensions', () => {
    const sdkEvent = sdkValidate(build({ providerEventId: 'evt_1Oab', data: { id: 'evt_1Oab' } }));
    expect(sdkEvent.specversion).toBe('1.0');
    expect(sdkEvent.provider).toBe('github');
    expect(sdkEvent.providereventid).toBe('evt_1Oab');
    expect(sdkEvent.time).toBe('2025-03-04T05:06:07.089Z');
  });

  it('a structured-mode HTTP receiver (HTTP.toEvent) reads every attribute back', () => {
    const event = build({ subject: 'repo', providerEventId: 'abc', data: { n: 1, nested: { ok: true } } });
    const received = overHttp(event);
    expect(received.validate()).toBe(true);
    expect(received.id).toBe(event.id);
    expect(received.source).toBe(event.source);
    expect(received.type).toBe(event.type);
    expect(received.subject).toBe('repo');
    expect(received.provider).toBe('github');
    expect(received.providereventid).toBe('abc');
    expect(received.data).toEqual({ n: 1, nested: { ok: true } });
  });

  it('the SDK serializes it back to the same JSON', () => {
    const event = build({ providerEventId: 'p1', data: { a: [1, 2, 3] } });
    expect(JSON.parse(JSON.stringify(new SdkCloudEvent(event as never)))).toEqual(event);
  });

  it.each([
    ['an object', { a: 1 }],
    ['an array', [1, 'two', null]],
    ['a string', 'plain text'],
    ['a number', 42],
    ['null', null],
    ['unicode', { name: 'Zoë 🧾', rtl: 'שלום' }],
  ])('data as %s validates', (_name, data) => {
    sdkValidate(build({ data }));
  });

  it('binary data goes in data_base64 and the SDK decodes it', () => {
    const bytes = Uint8Array.from([0, 1, 2, 254, 255]);
    const event = build({ datacontenttype: 'application/octet-stream', dataBase64: Buffer.from(bytes).toString('base64'), data: { ignored: true } });
    expect(event).not.toHaveProperty('data');
    expect(event.data_base64).toBe('AAEC/v8=');
    const sdkEvent = sdkValidate(event);
    expect(Buffer.from(sdkEvent.data as Uint8Array)).toEqual(Buffer.from(bytes));
  });

  it('a text body keeps its content type', () => {
    const sdkEvent = sdkValidate(build({ datacontenttype: 'text/plain; charset=utf-8', data: 'hello' }));
    expect(sdkEvent.datacontenttype).toBe('text/plain; charset=utf-8');
  });

  it('omits empty optional attributes instead of sending empty strings', () => {
    const event = build({ subject: '', providerEventId: '' });
    expect(event).not.toHaveProperty('subject');
    expect(event).not.toHaveProperty('providereventid');
    expect(event).not.toHaveProperty('data');
    sdkValidate(event);
  });

  it('defaults the time to now, as an RFC 3339 timestamp', () => {
    const before = Date.now();
    const event = buildCloudEvent({ id: newId('evt'), sourceId: 'src_1', type: 'x.y', provider: 'hmac' });
    const t = Date.parse(event.time);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
    expect(event.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    sdkValidate(event);
  });

  it('ids from newId are valid CloudEvent ids', () => {
    sdkValidate(build({ id: newId('evt') }));
  });

  it.each(['github', 'stripe', 'shopify', 'slack', 'svix', 'clerk', 'resend', 'standard-webhooks', 'hmac'])('provider extension value %s validates', (provider) => {
    sdkValidate(build({ provider, type: `${provider}.event` }));
  });

  it('extension attribute names are legal CloudEvents names (lower-case alphanumerics, ≤ 20 characters)', () => {
    const event = build({ providerEventId: 'x', subject: 's', data: {} });
    const core = new Set(['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'data', 'data_base64']);
    for (const key of Object.keys(event).filter((k) => !core.has(k))) {
      expect(key).toMatch(/^[a-z0-9]{1,20}$/);
    }
  });

  it('the SDK rejects a camel-case extension, proving it checks extension names', () => {
    expect(() => new SdkCloudEvent({ ...build(), providerEventId: 'x' } as never).validate()).toThrow(ValidationError);
  });

  it('the SDK rejects an envelope without a type, proving validate() is a real judge', () => {
    const broken: Record<string, unknown> = { ...build() };
    delete broken.type;
    expect(() => new SdkCloudEvent(broken as never).validate()).toThrow();
  });
});
