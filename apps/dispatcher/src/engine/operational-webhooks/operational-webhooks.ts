import { Injectable } from '@nestjs/common';
import { newId } from '@switchyard/events';
import { OperationalWebhooksRepository } from './operational-webhooks.repository.js';

/**
 * Svix's operational webhook types, with Svix's names and payload shapes
 * (svix models EndpointDisabledEvent, MessageAttempt{Exhausted,Failing,Recovered}Event).
 */
export enum OperationalEventType {
  EndpointDisabled = 'endpoint.disabled',
  MessageAttemptExhausted = 'message.attempt.exhausted',
  MessageAttemptFailing = 'message.attempt.failing',
  MessageAttemptRecovered = 'message.attempt.recovered',
}

/**
 * Svix sends `message.attempt.failing` on the 4th failed attempt when retries remain. With a
 * shorter RETRY_SCHEDULE (tests, demos) it is sent on the failure of the last attempt that still
 * has a retry after it (`min(4, schedule length)`), so it always comes before `exhausted`; with no
 * retries at all it is never sent.
 */
export const SVIX_FAILING_AFTER_ATTEMPTS = 4;

/** The failed attempt number after which `message.attempt.failing` is sent; 0 for never. */
export function failingThreshold(retryScheduleLength: number): number {
  return Math.min(SVIX_FAILING_AFTER_ATTEMPTS, retryScheduleLength);
}

/** A message to create in the operational application. */
export interface OperationalMessage {
  readonly id: string;
  readonly eventType: OperationalEventType;
  /** The exact JSON text that is signed and sent. */
  readonly payload: string;
}

/** What the attempt events say about the attempt (Svix MessageAttemptFailedData). */
export interface AttemptEventContext {
  readonly appId: string;
  readonly appUid: string | null;
  readonly endpointId: string;
  readonly msgId: string;
  readonly msgEventId: string | null;
  readonly attemptId: string;
  readonly responseStatusCode: number;
  readonly timestamp: Date;
}

export interface EndpointDisabledContext {
  readonly appId: string;
  readonly appUid: string | null;
  readonly endpointId: string;
  readonly endpointUid: string | null;
  readonly failSince: Date | null;
  readonly trigger: 'automatic' | 'manual';
}

/** Builds a message.attempt.{exhausted,failing,recovered} event. */
export function attemptEvent(
  type: OperationalEventType.MessageAttemptExhausted | OperationalEventType.MessageAttemptFailing | OperationalEventType.MessageAttemptRecovered,
  ctx: AttemptEventContext,
): OperationalMessage {
  const data = {
    appId: ctx.appId,
    appUid: ctx.appUid,
    endpointId: ctx.endpointId,
    lastAttempt: { id: ctx.attemptId, responseStatusCode: ctx.responseStatusCode, timestamp: ctx.timestamp.toISOString() },
    msgEventId: ctx.msgEventId,
    msgId: ctx.msgId,
  };
  return { id: newId('msg'), eventType: type, payload: JSON.stringify({ type, data }) };
}

/** Builds an endpoint.disabled event. */
export function endpointDisabledEvent(ctx: EndpointDisabledContext): OperationalMessage {
  const data = {
    appId: ctx.appId,
    appUid: ctx.appUid,
    endpointId: ctx.endpointId,
    endpointUid: ctx.endpointUid,
    failSince: ctx.failSince ? ctx.failSince.toISOString() : null,
    trigger: ctx.trigger,
  };
  return { id: newId('msg'), eventType: OperationalEventType.EndpointDisabled, payload: JSON.stringify({ type: OperationalEventType.EndpointDisabled, data }) };
}

/**
 * The operational-webhooks application: one internal application (kind `operational`) whose
 * endpoints receive the events above. Events are ordinary messages of that application, written
 * in the same statement as the attempt that caused them, so the same engine signs, delivers,
 * retries and logs them. The API exposes Svix's operationalWebhookEndpoint on top of this app.
 */
@Injectable()
export class OperationalWebhooks {
  private cached: Promise<string> | undefined;

  constructor(private readonly repository: OperationalWebhooksRepository) {}

  /** The operational application's id, created on first use (at most one exists: a partial unique index). */
  appId(): Promise<string> {
    this.cached ??= this.findOrCreate().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  /** Forgets the cached id (after the application was deleted under us). */
  forget(): void {
    this.cached = undefined;
  }

  private async findOrCreate(): Promise<string> {
    for (let tries = 0; tries < 3; tries++) {
      const id = await this.repository.findOrCreateApp(newId('app'));
      if (id !== null) return id;
      // Another process created it after this statement's snapshot was taken: look again.
    }
    throw new Error('could not find or create the operational webhooks application');
  }
}
