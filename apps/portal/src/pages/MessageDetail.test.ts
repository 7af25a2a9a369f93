import { describe, expect, it } from 'vitest';
import type { Schemas } from '../api/client';
import { requestHeaders } from './MessageDetail';

const attempt = (over: Partial<Schemas['MessageAttemptOut']>): Schemas['MessageAttemptOut'] =>
  ({
    id: 'atmpt_1',
    msgId: 'msg_1',
    endpointId: 'ep_1',
    url: 'https://example.com/hook',
    response: '{}',
    responseStatusCode: 200,
    responseDurationMs: 5,
    status: 0,
    statusText: 'success',
    triggerType: 0,
    timestamp: '2026-12-03T12:00:00.000Z',
    error: null,
    errorDetail: null,
    requestHeaders: {},
    ...over,
  }) as Schemas['MessageAttemptOut'];

describe('requestHeaders', () => {
  it('shows what the attempt recorded it sent', () => {
    const sent = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1796300000', 'webhook-signature': '[redacted]', 'x-tenant': 'a' };
    expect(requestHeaders(attempt({ requestHeaders: sent }), { 'x-tenant': 'changed since' })).toEqual(sent);
  });

  it('rebuilds the Standard Webhooks set for an attempt recorded without its headers', () => {
    const rebuilt = requestHeaders(attempt({ requestHeaders: {} }), { 'x-tenant': 'a' });
    expect(rebuilt).toMatchObject({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(Date.parse('2026-12-03T12:00:00.000Z') / 1000), 'x-tenant': 'a' });
  });
});
