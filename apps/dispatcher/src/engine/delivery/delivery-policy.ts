import { DeliveryStatus, TriggerType } from '@switchyard/db';
import { nextAttemptDelayMs } from '@switchyard/events';
import { OperationalEventType } from '../operational-webhooks/operational-webhooks.js';
import type { AttemptResult } from './webhook-http-client.js';

/** What the delivery and its endpoint become after one attempt. */
export interface Outcome {
  /** Success, Pending (a retry is scheduled) or Fail. */
  readonly status: DeliveryStatus.Success | DeliveryStatus.Pending | DeliveryStatus.Fail;
  /** Wait before the next attempt when status is Pending. */
  readonly retryDelayMs?: number;
  /** How endpoints.first_failure_at changes: cleared on success, set on the first failure of a run. */
  readonly failureRun: 'clear' | 'start' | 'unchanged';
  /** Disable the endpoint: it answered 410 Gone, or its attempts have all failed for ENDPOINT_DISABLE_AFTER. */
  readonly disableEndpoint: 'gone' | 'failing' | null;
  readonly events: readonly (OperationalEventType.MessageAttemptExhausted | OperationalEventType.MessageAttemptFailing | OperationalEventType.MessageAttemptRecovered)[];
}

export interface OutcomeInput {
  readonly result: AttemptResult;
  /** This attempt's number (1 for the first). */
  readonly attempt: number;
  readonly trigger: TriggerType;
  readonly retryScheduleMs: readonly number[];
  /** The failed attempt after which message.attempt.failing is sent (0: never). */
  readonly failingAfter: number;
  /** endpoints.first_failure_at as read when the attempt was claimed. */
  readonly endpointFailingSince: Date | null;
  readonly endpointDisableAfterMs: number;
  readonly now: Date;
  readonly random?: () => number;
}

/**
 * The retry policy, as a pure function:
 * - 2xx: Success. `recovered` if an earlier failure event (failing or exhausted) was sent for it.
 * - 410: Fail at once and disable the endpoint.
 * - the payload was expunged: Fail at once (unsent), with no effect on the endpoint.
 * - a Manual attempt (resend, recover) is one attempt: on failure the delivery is Fail again.
 * - a Scheduled failure waits RETRY_SCHEDULE[n-1] (+ up to 10 % jitter; at least Retry-After on a
 *   429 or 503), or is Fail (`exhausted`) when the schedule is spent. `failing` goes out once,
 *   after attempt `failingAfter` fails with retries left.
 */
export function decideOutcome(input: OutcomeInput): Outcome {
  const { result, attempt } = input;
  if (result.success) {
    const earlierFailureEventSent = attempt - 1 >= Math.max(1, input.failingAfter);
    return {
      status: DeliveryStatus.Success,
      failureRun: input.endpointFailingSince ? 'clear' : 'unchanged',
      disableEndpoint: null,
      events: earlierFailureEventSent ? [OperationalEventType.MessageAttemptRecovered] : [],
    };
  }

  // Nothing left to send: the delivery ends here, and it says nothing about the endpoint.
  if (result.error === 'payload_expunged') return { status: DeliveryStatus.Fail, failureRun: 'unchanged', disableEndpoint: null, events: [] };
  const failureRun = input.endpointFailingSince ? 'unchanged' : 'start';
  const failingTooLong = input.endpointFailingSince !== null && input.now.getTime() - input.endpointFailingSince.getTime() >= input.endpointDisableAfterMs;
  if (result.statusCode === 410) {
    return { status: DeliveryStatus.Fail, failureRun, disableEndpoint: 'gone', events: [] };
  }
  const disableEndpoint = failingTooLong ? 'failing' : null;
  if (input.trigger === TriggerType.Manual) {
    return { status: DeliveryStatus.Fail, failureRun, disableEndpoint, events: [] };
  }
  const delay = nextAttemptDelayMs({
    delaysMs: input.retryScheduleMs,
    failedAttempts: attempt,
    retryAfterMs: result.retryAfterMs,
    random: input.random,
  });
  if (delay === undefined) {
    return { status: DeliveryStatus.Fail, failureRun, disableEndpoint, events: [OperationalEventType.MessageAttemptExhausted] };
  }
  return {
    status: DeliveryStatus.Pending,
    retryDelayMs: delay,
    failureRun,
    disableEndpoint,
    events: input.failingAfter > 0 && attempt === input.failingAfter ? [OperationalEventType.MessageAttemptFailing] : [],
  };
}
