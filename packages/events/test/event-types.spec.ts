import { describe, expect, it } from '@jest/globals';
import { MAX_EVENT_TYPE_LENGTH, eventTypeName, isValidEventTypeName, sanitizeSegment } from '../src/index.js';

describe('eventTypeName (docs/api.md §6 naming)', () => {
  it.each([
    [['github', 'pull_request', 'opened'], 'github.pull_request.opened'],
    [['github', 'push', undefined], 'github.push'],
    [['github', 'push', null], 'github.push'],
    [['github', 'push', ''], 'github.push'],
    [['stripe', 'invoice.paid'], 'stripe.invoice.paid'],
    [['stripe', 'v1.billing.meter.error_report_triggered'], 'stripe.v1.billing.meter.error_report_triggered'],
    [['shopify', 'orders/create'], 'shopify.orders.create'],
    [['shopify', 'app/uninstalled'], 'shopify.app.uninstalled'],
    [['slack', 'app_mention'], 'slack.app_mention'],
    [['clerk', 'user.created'], 'clerk.user.created'],
    [['resend', 'email.delivered'], 'resend.email.delivered'],
    [['gitlab', 'Push Hook'], 'gitlab.Push_Hook'],
    [['hmac', 'order shipped!'], 'hmac.order_shipped'],
    [['hmac', '..a//b..'], 'hmac.a.b'],
    [['hmac', 'ünïcödé'], 'hmac.n_c_d'],
    [['hmac', '日本'], 'hmac.unknown'],
    [['hmac', '   '], 'hmac.unknown'],
    [['hmac', 'a b.c/d'], 'hmac.a_b.c.d'],
    [['hmac', 42 as never], 'hmac.42'],
    // Found by pnpm fuzz: these gave the bare source type, which a `twilio.*` filter misses.
    [['twilio', ''], 'twilio.unknown'],
    [['stripe', '.'], 'stripe.unknown'],
    [['shopify', '//'], 'shopify.unknown'],
    [['hmac', undefined, null], 'hmac.unknown'],
  ] as [[string, ...(string | null | undefined)[]], string][])('%j → %s', ([source, ...names], expected) => {
    const name = eventTypeName(source, ...names);
    expect(name).toBe(expected);
    expect(isValidEventTypeName(name)).toBe(true);
  });

  it('caps the length at 256 and stays a valid name', () => {
    const name = eventTypeName('hmac', 'a'.repeat(90), 'b'.repeat(90), 'c'.repeat(90), 'd'.repeat(90));
    expect(name.length).toBe(MAX_EVENT_TYPE_LENGTH);
    expect(isValidEventTypeName(name)).toBe(true);
  });

  it('every produced name passes Svix’s name rule for any provider input', () => {
    const hostile = ['../../etc/passwd', '<script>', 'a\u0000b', 'x'.repeat(1000), '%2F', '😀.😀', 'a..b', '/', '.', '-_-'];
    for (const input of hostile) expect(isValidEventTypeName(eventTypeName('hmac', input))).toBe(true);
  });
});

describe('sanitizeSegment', () => {
  it.each([
    ['pull_request', 'pull_request'],
    ['Push Hook', 'Push_Hook'],
    ['  spaced  ', 'spaced'],
    ['a--b', 'a--b'],
    ['__x__', 'x'],
    ['a!!!b', 'a_b'],
    ['', 'unknown'],
    ['!!!', 'unknown'],
    ['x'.repeat(150), 'x'.repeat(100)],
    ['a.b', 'a_b'],
    ['a/b', 'a_b'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeSegment(input)).toBe(expected);
  });
});

describe('isValidEventTypeName', () => {
  it.each([
    ['user.created', true],
    ['a', true],
    ['A-Z_0.9', true],
    ['', false],
    ['user created', false],
    ['user/created', false],
    ['üser', false],
    ['x'.repeat(256), true],
    ['x'.repeat(257), false],
  ])('%j → %s', (name, valid) => {
    expect(isValidEventTypeName(name)).toBe(valid);
  });
});
