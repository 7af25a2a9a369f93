import { describe, expect, it } from '@jest/globals';
import { DeliveryStatus, TriggerType } from '@switchyard/db';
import { decideOutcome, type OutcomeInput } from '../../src/engine/delivery/delivery-policy.js';
import type { AttemptResult } from '../../src/engine/delivery/webhook-http-client.js';
import { failingThreshold, OperationalEventType } from '../../src/engine/operational-webhooks/operational-webhooks.js';

const ok: AttemptResult = { statusCode: 200, success: true, body: Buffer.alloc(0), responseHeaders: {}, durationMs: 5, error: null, errorDetail: null };
const fail = (statusCode = 500, extra: Partial<AttemptResult> = {}): AttemptResult => ({ ...ok, statusCode, success: false, ...extra });
const now = new Date('2026-11-28T12:00:00Z');
const schedule = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

function input(overrides: Partial<OutcomeInput>): OutcomeInput {
  return {
    result: fail(),
    attempt: 1,
    trigger: TriggerType.Scheduled,
    retryScheduleMs: schedule,
    failingAfter: failingThreshold(schedule.length),
    endpointFailingSince: null,
    endpointDisableAfterMs: 5 * 86_400_000,
    now,
    random: () => 0,
    ...overrides,
  };
}

describe('retry policy (pure)', () => {
  it('waits RETRY_SCHEDULE[n-1] after the n-th failure, jitter only lengthening it', () => {
    expect(decideOutcome(input({ attempt: 1 }))).toMatchObject({ status: DeliveryStatus.Pending, retryDelayMs: 5_000, failureRun: 'start' });
    expect(decideOutcome(input({ attempt: 2, random: () => 0.999 })).retryDelayMs).toBe(Math.round(300_000 * 1.0999));
  });

  it('fails an attempt whose payload was expunged at once, with no bearing on the endpoint', () => {
    const expunged = fail(0, { error: 'payload_expunged', errorDetail: "not sent: the message's payload was expunged" });
    expect(decideOutcome(input({ result: expunged }))).toEqual({ status: DeliveryStatus.Fail, failureRun: 'unchanged', disableEndpoint: null, events: [] });
    expect(decideOutcome(input({ result: expunged, endpointFailingSince: new Date(now.getTime() - 6 * 86_400_000) })).disableEndpoint).toBeNull();
  });

  it('honours Retry-After as a lower bound', () => {
    expect(decideOutcome(input({ result: fail(429, { retryAfterMs: 60_000 }) })).retryDelayMs).toBe(60_000);
    expect(decideOutcome(input({ result: fail(503, { retryAfterMs: 1_000 }) })).retryDelayMs).toBe(5_000);
  });

  it('is exhausted after the last scheduled attempt', () => {
    expect(decideOutcome(input({ attempt: schedule.length + 1 }))).toMatchObject({
      status: DeliveryStatus.Fail,
      events: [OperationalEventType.MessageAttemptExhausted],
    });
  });

  it('sends message.attempt.failing once, after the 4th failure (Svix), or the last with a retry left on short schedules', () => {
    expect(decideOutcome(input({ attempt: 3 })).events).toEqual([]);
    expect(decideOutcome(input({ attempt: 4 })).events).toEqual([OperationalEventType.MessageAttemptFailing]);
    expect(decideOutcome(input({ attempt: 5 })).events).toEqual([]);
    const short = { retryScheduleMs: [1_000, 1_000], failingAfter: failingThreshold(2) };
    expect(decideOutcome(input({ ...short, attempt: 2 })).events).toEqual([OperationalEventType.MessageAttemptFailing]);
    expect(decideOutcome(input({ ...short, attempt: 3 })).events).toEqual([OperationalEventType.MessageAttemptExhausted]);
    expect(failingThreshold(0)).toBe(0);
  });

  it('sends message.attempt.recovered on a success after a failure event', () => {
    expect(decideOutcome(input({ result: ok, attempt: 4 })).events).toEqual([]);
    expect(decideOutcome(input({ result: ok, attempt: 5 }))).toMatchObject({ status: DeliveryStatus.Success, events: [OperationalEventType.MessageAttemptRecovered] });
  });

  it('a manual attempt is one attempt: a failure ends the delivery, with no schedule and no events', () => {
    expect(decideOutcome(input({ trigger: TriggerType.Manual, attempt: 1 }))).toEqual({ status: DeliveryStatus.Fail, failureRun: 'start', disableEndpoint: null, events: [] });
  });

  it('410 Gone ends the delivery and disables the endpoint', () => {
    expect(decideOutcome(input({ result: fail(410) }))).toMatchObject({ status: DeliveryStatus.Fail, disableEndpoint: 'gone' });
  });

  it('disables an endpoint that has failed for ENDPOINT_DISABLE_AFTER, and clears the run on success', () => {
    const since = new Date(now.getTime() - 5 * 86_400_000);
    expect(decideOutcome(input({ endpointFailingSince: since }))).toMatchObject({ disableEndpoint: 'failing', failureRun: 'unchanged' });
    expect(decideOutcome(input({ endpointFailingSince: new Date(now.getTime() - 1_000) }))).toMatchObject({ disableEndpoint: null, failureRun: 'unchanged' });
    expect(decideOutcome(input({ result: ok, endpointFailingSince: since }))).toMatchObject({ failureRun: 'clear', disableEndpoint: null });
    expect(decideOutcome(input({ result: ok }))).toMatchObject({ failureRun: 'unchanged' });
  });

  it('a redirect is a failure like any other', () => {
    expect(decideOutcome(input({ result: fail(302, { error: 'redirect' }) })).status).toBe(DeliveryStatus.Pending);
  });
});
