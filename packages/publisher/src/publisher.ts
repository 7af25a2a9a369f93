import { isForeignKeyViolation, pgErrorOf, type SqlRunner } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import { GroupCommitter, type BatchErrorAction } from '@switchyard/platform';
import type { WorkQueue } from '@switchyard/scheduler';
import { EXPIRE_DEDUP_KEYS, FAN_OUT_CREATE, FAN_OUT_PENDING, FIRST_ACCEPTED, LOG_DUPLICATE, PUBLISH_INBOUND, PUBLISH_MESSAGES } from './publish.statements.js';

/** A message to publish, as the dispatcher's API validated it. */
export interface MessageToPublish {
  readonly id: string;
  readonly eventType: string;
  readonly eventId: string | null;
  /** The exact JSON text that is stored, signed and sent. */
  readonly payload: string;
  readonly channels: string[] | null;
  readonly tags: string[] | null;
  readonly deliverAt: Date | null;
  /** Its id's time, so `timestamp` and id order always agree. */
  readonly createdAt: Date;
  /** When its payload goes, if the publisher asked for a retention of its own; else PAYLOAD_RETENTION applies. */
  readonly payloadExpiresAt?: Date | null;
  /** The W3C trace context its attempts continue (validated; version 00), or null. */
  readonly traceParent?: string | null;
  readonly traceState?: string | null;
}

/** The customer application a message is published into, by id or uid. */
export interface AppRef {
  readonly by: 'id' | 'uid';
  readonly value: string;
}

/**
 * What publishing did: stored the message with its deliveries (or for its application's fan-out
 * turn), or nothing, because there is no such application or because the application already
 * has a message with this eventId.
 */
export type PublishResult = { readonly inserted: true; readonly deliveries: number | 'fan-out' } | { readonly inserted: false; readonly reason: 'no_application' | 'event_id_taken' };

/** An accepted inbound webhook: the normalized event as a message of the source's application, and its request-log row. */
export interface InboundToPublish {
  readonly message: {
    readonly id: string;
    readonly appId: string;
    readonly eventType: string;
    readonly payload: string;
    /** The W3C trace context its attempts continue (validated; version 00), or null. */
    readonly traceParent?: string | null;
    readonly traceState?: string | null;
  };
  readonly request: {
    readonly id: string;
    readonly sourceId: string;
    readonly method: string;
    readonly url: string;
    /** Already redacted. */
    readonly headers: Record<string, string | string[]>;
    readonly body: Buffer;
    /** The provider's own id of the event, as shown in the request log (already shortened if long). */
    readonly providerEventId: string | null;
    /** What duplicates are recognized by, within the dedup window (already shortened if long); null: not deduplicated. */
    readonly dedupKey: string | null;
    readonly eventId: string;
  };
}

export type InboundResult =
  /** Committed; `enqueue` hands its work to the dispatcher (call it after answering the provider). */
  | { readonly kind: 'accepted'; readonly enqueue: () => Promise<void> }
  /** The source accepted a request with this dedup key within the window: only a `duplicate` log row was stored. */
  | { readonly kind: 'duplicate'; readonly firstEventId: string | null; readonly firstMessageId: string | null };

/** What one fan-out turn of an application did. */
export interface FanOutResult {
  /** Messages fanned out. */
  readonly messages: number;
  readonly deliveries: number;
  /** It took a full batch: the application may have more. */
  readonly more: boolean;
}

/** How publishes share statements (COMMIT_* settings). */
export interface CommitOptions {
  /** Most messages per statement (COMMIT_BATCH_MAX). */
  readonly batchMax: number;
  /** Most bytes of payloads and bodies per statement (COMMIT_BATCH_BYTES); a batch always takes one. */
  readonly batchBytes: number;
  /** Statements of one kind running at once (COMMIT_IN_FLIGHT): a slow one does not hold up the next. */
  readonly inFlight: number;
  /** Publishes waiting for a statement at most (COMMIT_QUEUE_MAX); past it publishing fails fast with GroupCommitterFullError. */
  readonly queueMax: number;
}

export const DEFAULT_COMMIT: CommitOptions = { batchMax: 128, batchBytes: 4 * 1024 * 1024, inFlight: 2, queueMax: 4096 };

/** One statement of a group commit, for metrics. */
export interface CommitObservation {
  readonly kind: 'messages' | 'inbound';
  readonly size: number;
  readonly waitMs: number;
  readonly runMs: number;
  readonly ok: boolean;
}

export interface PublisherOptions {
  readonly sql: SqlRunner;
  readonly work: WorkQueue;
  /** A message that routes to at most this many endpoints gets its deliveries in the statement that stores it (FAN_OUT_INLINE_MAX). */
  readonly inlineMax: number;
  readonly commit?: Partial<CommitOptions>;
  readonly observe?: (o: CommitObservation) => void;
  /** How long an accepted inbound request's dedup key makes a request with the same key a duplicate (DEDUP_WINDOW). */
  readonly dedupWindowMs?: number;
}

/** DEDUP_WINDOW's default: 7 days, past every provider's retry schedule and the longest replay tolerance a source may set. */
export const DEFAULT_DEDUP_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** The deliveries → endpoints foreign key (PostgreSQL's default name; see the Initial migration). */
const DELIVERY_ENDPOINT_FK = 'deliveries_endpoint_id_fkey';

/**
 * What to do with a batch PostgreSQL refused. An endpoint it routed to was deleted while it ran:
 * run it again (routing again). A data error (class 22) or a constraint (class 23) belongs to one
 * row: halve the batch until that row fails alone. Anything else (connection lost, shutdown,
 * timeout) fails every item, and each caller answers 5xx; nothing of the batch was stored.
 */
export function batchErrorAction(error: unknown): BatchErrorAction {
  if (isForeignKeyViolation(error, DELIVERY_ENDPOINT_FK)) return 'retry';
  const { code } = pgErrorOf(error);
  if (code?.startsWith('22') || code?.startsWith('23')) return 'bisect';
  return 'fail';
}

interface DeliveryRow {
  id: string | null;
  endpoint_id: string | null;
  delay_ms: string | number;
}

interface MessageRow extends DeliveryRow {
  n: string | number;
  app_id: string | null;
  inserted: boolean;
  inline: boolean;
}

interface InboundRow extends DeliveryRow {
  n: string | number;
  accepted: boolean;
  first_event_id: string | null;
  first_message_id: string | null;
  inline: boolean;
}

/** Deliveries created, as wake-ups for their endpoints. */
function wakeUps(rows: readonly DeliveryRow[]): { endpointId: string; delayMs: number }[] {
  return rows.filter((r) => r.id !== null && r.endpoint_id !== null).map((r) => ({ endpointId: r.endpoint_id!, delayMs: Number(r.delay_ms) }));
}

/** The rows of a batched statement, grouped by input position (1-based `n`). */
function byPosition<R extends { n: string | number }>(rows: readonly R[], count: number): R[][] {
  const groups: R[][] = Array.from({ length: count }, () => []);
  for (const row of rows) groups[Number(row.n) - 1]?.push(row);
  return groups;
}

/** Fresh delivery ids for a batch: `inlineMax` per message, in one flat array. */
function deliveryIds(count: number, inlineMax: number): string[] {
  return Array.from({ length: count * inlineMax }, () => newId(IdPrefix.delivery));
}

interface MessageItem {
  readonly app: AppRef;
  readonly message: MessageToPublish;
}

/** A committed publish and the work it made, which its caller enqueues (the WorkQueue batches those too). */
interface CommittedMessage {
  readonly result: PublishResult;
  readonly wakes: { endpointId: string; delayMs: number }[];
  readonly fanOutApp: string | null;
}

/**
 * The one publisher (ARCHITECTURE.md, "One published message"): the only code that stores a message with its
 * deliveries and enqueues their work. The dispatcher's API, its fan-out and the gateway's ingress
 * all call it. Publishes that arrive together share one statement (group commit without a timer:
 * a publish made while nothing is committing goes at once; those made meanwhile go together in
 * the next statement), and each caller still returns only after its own row is committed. Work is
 * durable once committed; the enqueue after the commit only makes it prompt (a lost enqueue is the
 * reconciler's job), so enqueue failures never fail a publish.
 */
export class Publisher {
  private readonly messages: GroupCommitter<MessageItem, CommittedMessage>;
  private readonly inbound: GroupCommitter<InboundToPublish, InboundResult>;

  constructor(private readonly options: PublisherOptions) {
    const commit = { ...DEFAULT_COMMIT, ...options.commit };
    const shared = { maxBatch: commit.batchMax, maxBatchBytes: commit.batchBytes, maxInFlight: commit.inFlight, maxQueue: commit.queueMax, onBatchError: batchErrorAction };
    const observe = (kind: CommitObservation['kind']) => (e: { size: number; waitMs: number; runMs: number; ok: boolean }) => options.observe?.({ kind, ...e });
    this.messages = new GroupCommitter<MessageItem, CommittedMessage>({
      ...shared,
      run: (items) => this.commitMessages(items),
      // Two messages for one application with one eventId never share a statement: the second meets the first's row.
      key: ({ app, message }) => (message.eventId === null ? undefined : `${app.by}\n${app.value}\n${message.eventId}`),
      size: ({ message }) => message.payload.length,
      observe: observe('messages'),
    });
    this.inbound = new GroupCommitter<InboundToPublish, InboundResult>({
      ...shared,
      run: (items) => this.commitInbound(items),
      key: ({ request }) => (request.dedupKey === null ? undefined : `${request.sourceId}\n${request.dedupKey}`),
      // bytea travels as hex text in an array parameter: twice its size
      size: ({ message, request }) => message.payload.length + 2 * request.body.length,
      observe: observe('inbound'),
    });
  }

  private get dedupWindowMs(): number {
    return this.options.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS;
  }

  /**
   * Deletes up to `limit` dedup keys older than the dedup window (they decide nothing any more;
   * a request with such a key would take it over anyway). Answers how many went.
   */
  async expireDedupKeys(limit: number): Promise<number> {
    const [row] = await this.options.sql<{ n: number }>(EXPIRE_DEDUP_KEYS, [this.dedupWindowMs, limit]);
    return row?.n ?? 0;
  }

  private get work(): WorkQueue {
    return this.options.work;
  }

  /** Publishes waiting for a statement, and statements running (both kinds). */
  get pending(): { waiting: number; running: number } {
    return { waiting: this.messages.waiting + this.inbound.waiting, running: this.messages.running + this.inbound.running };
  }

  /** Resolves once every publish made so far is committed or failed (shutdown). */
  async drain(): Promise<void> {
    await Promise.all([this.messages.drain(), this.inbound.drain()]);
  }

  /**
   * Publishes a message into a customer application: stores it (with its deliveries when it
   * routes to at most FAN_OUT_INLINE_MAX endpoints), then wakes those endpoints or its
   * application's fan-out. Nothing is stored when there is no such application or when the
   * application already has a message with its eventId. Throws what PostgreSQL throws, and
   * GroupCommitterFullError when COMMIT_QUEUE_MAX publishes are already waiting.
   */
  async publishMessage(app: AppRef, message: MessageToPublish): Promise<PublishResult> {
    const { result, wakes, fanOutApp } = await this.messages.submit({ app, message });
    if (fanOutApp !== null) await this.work.afterCommit(`fan-out of ${message.id}`, () => this.work.wakeApps([fanOutApp]));
    else if (wakes.length > 0) await this.work.afterCommit(`first attempts of ${message.id}`, () => this.work.wake(wakes));
    return result;
  }

  private async commitMessages(items: readonly MessageItem[]): Promise<CommittedMessage[]> {
    const inlineMax = this.options.inlineMax;
    const json = (list: string[] | null) => (list === null ? null : JSON.stringify(list));
    const rows = await this.options.sql<MessageRow>(PUBLISH_MESSAGES, [
      items.map((x) => x.message.id),
      items.map((x) => x.app.by === 'id'),
      items.map((x) => x.app.value),
      items.map((x) => x.message.eventType),
      items.map((x) => x.message.eventId),
      items.map((x) => x.message.payload),
      items.map((x) => json(x.message.channels)),
      items.map((x) => json(x.message.tags)),
      items.map((x) => x.message.deliverAt),
      items.map((x) => x.message.createdAt),
      deliveryIds(items.length, inlineMax),
      inlineMax,
      items.map((x) => x.message.payloadExpiresAt ?? null),
      items.map((x) => x.message.traceParent ?? null),
      items.map((x) => x.message.traceState ?? null),
    ]);
    return byPosition(rows, items.length).map((group): CommittedMessage => {
      const first = group[0];
      if (!first || first.app_id === null) return { result: { inserted: false, reason: 'no_application' }, wakes: [], fanOutApp: null };
      if (!first.inserted) return { result: { inserted: false, reason: 'event_id_taken' }, wakes: [], fanOutApp: null };
      if (!first.inline) return { result: { inserted: true, deliveries: 'fan-out' }, wakes: [], fanOutApp: first.app_id };
      const wakes = wakeUps(group);
      return { result: { inserted: true, deliveries: wakes.length }, wakes, fanOutApp: null };
    });
  }

  /**
   * Stores an accepted inbound webhook as one message of the source's application, with its
   * request-log row (and its deliveries for few endpoints), atomically, sharing the statement
   * with the webhooks verified at the same moment. A dedup key the source accepted within the
   * dedup window stores only a `duplicate` log row and answers that acceptance. Throws when the
   * statement fails: nothing of the request was stored (the provider's retry is safe).
   */
  async publishInbound(input: InboundToPublish): Promise<InboundResult> {
    return this.inbound.submit(input);
  }

  private async commitInbound(items: readonly InboundToPublish[]): Promise<(InboundResult | Error)[]> {
    const inlineMax = this.options.inlineMax;
    const rows = await this.options.sql<InboundRow>(PUBLISH_INBOUND, [
      items.map((x) => x.message.id),
      items.map((x) => x.message.appId),
      items.map((x) => x.message.eventType),
      items.map((x) => x.message.payload),
      items.map((x) => x.request.id),
      items.map((x) => x.request.sourceId),
      items.map((x) => x.request.method),
      items.map((x) => x.request.url),
      items.map((x) => JSON.stringify(x.request.headers)),
      items.map((x) => x.request.body),
      items.map((x) => x.request.body.length),
      items.map((x) => x.request.providerEventId),
      items.map((x) => x.request.eventId),
      deliveryIds(items.length, inlineMax),
      inlineMax,
      items.map((x) => x.request.dedupKey),
      this.dedupWindowMs,
      items.map((x) => x.message.traceParent ?? null),
      items.map((x) => x.message.traceState ?? null),
    ]);
    return Promise.all(
      byPosition(rows, items.length).map(async (group, i): Promise<InboundResult | Error> => {
        const item = items[i]!;
        const first = group[0];
        if (!first) return new Error(`the inbound statement answered nothing for ${item.request.id}`);
        if (first.accepted) {
          const { message } = item;
          const wakes = wakeUps(group);
          const enqueue = first.inline
            ? () => this.work.afterCommit(`first attempts of ${message.id}`, () => this.work.wake(wakes)).then(() => undefined)
            : () => this.work.afterCommit(`fan-out of ${message.id}`, () => this.work.wakeApps([message.appId])).then(() => undefined);
          return { kind: 'accepted', enqueue };
        }
        if (first.first_event_id !== null) return { kind: 'duplicate', firstEventId: first.first_event_id, firstMessageId: first.first_message_id };
        return this.lateDuplicate(item).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      }),
    );
  }

  /**
   * A duplicate whose first acceptance committed while its statement ran (the statement's
   * snapshot could not see it): look the first acceptance up and log the duplicate on its own.
   */
  private async lateDuplicate(item: InboundToPublish): Promise<InboundResult> {
    const { request } = item;
    const [first] = await this.options.sql<{ event_id: string | null; message_id: string | null }>(FIRST_ACCEPTED, [request.sourceId, request.dedupKey]);
    const firstEventId = first?.event_id ?? null;
    const firstMessageId = first?.message_id ?? null;
    await this.options.sql(LOG_DUPLICATE, [
      request.id,
      request.sourceId,
      request.method,
      request.url,
      JSON.stringify(request.headers),
      request.body,
      request.body.length,
      request.providerEventId,
      request.dedupKey,
      firstEventId,
      firstMessageId,
    ]);
    return { kind: 'duplicate', firstEventId, firstMessageId };
  }

  /**
   * One fan-out turn of an application (messages with more endpoints than publishing creates
   * inline, operational webhooks): takes up to `limit` of its oldest messages not yet fanned out,
   * routes each to the application's enabled endpoints, creates the deliveries and marks the
   * messages fanned out in one statement, then wakes the endpoints. Running it twice creates
   * nothing twice (the (message, endpoint) key, and only unfanned messages are marked).
   */
  async fanOutApp(appId: string, limit: number): Promise<FanOutResult> {
    const pending = await this.options.sql<{ id: string; endpoint_ids: string[] | null }>(FAN_OUT_PENDING, [appId, limit]);
    if (pending.length === 0) return { messages: 0, deliveries: 0, more: false };
    const ids: string[] = [];
    const messageIds: string[] = [];
    const endpointIds: string[] = [];
    for (const m of pending) {
      for (const endpointId of m.endpoint_ids ?? []) {
        ids.push(newId(IdPrefix.delivery));
        messageIds.push(m.id);
        endpointIds.push(endpointId);
      }
    }
    const created = await this.options.sql<DeliveryRow>(FAN_OUT_CREATE, [appId, ids, messageIds, endpointIds, pending.map((m) => m.id)]);
    const wakes = wakeUps(created);
    if (wakes.length > 0) await this.work.afterCommit('first attempts', () => this.work.wake(wakes));
    return { messages: pending.length, deliveries: created.length, more: pending.length >= limit };
  }

  /** Makes sure the endpoints of deliveries written elsewhere (resend, recover, retries) get a turn by their due time. */
  async schedule(what: string, wakes: readonly { readonly endpointId: string; readonly delayMs: number }[]): Promise<boolean> {
    if (wakes.length === 0) return true;
    return this.work.afterCommit(what, () => this.work.wake(wakes));
  }

  /** Makes sure these applications get a fan-out turn (messages stored elsewhere: operational webhooks, the reconciler). */
  async scheduleFanOut(what: string, appIds: readonly string[]): Promise<boolean> {
    if (appIds.length === 0) return true;
    return this.work.afterCommit(what, () => this.work.wakeApps(appIds));
  }
}
