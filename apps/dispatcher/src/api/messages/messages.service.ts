import { Inject, Injectable } from '@nestjs/common';
import { ApiError, conflict, notFound, TRACING, unprocessable, type ListResponse } from '@switchyard/api-kit';
import type { ApplicationEntity, MessageEntity } from '@switchyard/db';
import { isId, newId } from '@switchyard/events';
import type { MessageToPublish, Publisher } from '@switchyard/publisher';
import { traceContextOf, type HeaderMap, type TraceCarrier, type Tracing } from '@switchyard/tracing';
import { timeOfId } from '../common/id-time.js';
import { ApplicationsRepository } from '../applications/applications.repository.js';
import { ApplicationsService } from '../applications/applications.service.js';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { DeliveryCommands } from '../../engine/commands/delivery-commands.js';
import { PUBLISHER } from '../../engine/common/engine.tokens.js';
import { BackgroundTasksService } from '../background-tasks/background-tasks.service.js';
import { toBackgroundTaskStartedOut } from '../background-tasks/background-task.mapper.js';
import type { BulkExpungeContentsInDto, MessageFilterQueryDto, MessageInDto } from './dto/message.dto.js';
import { toMessageOut, type BulkExpungeContentsOut, type ExpungeAllContentsOut, type MessageOut } from './message.mapper.js';
import { MessagesRepository } from './messages.repository.js';
import { rawJsonMember } from './raw-json.js';

/** How far ahead `deliverAt` may be (Svix: 24 hours), plus clock slack. */
const MAX_DELIVER_AHEAD_MS = 24 * 3600 * 1000 + 5 * 60 * 1000;

/** Svix messages: publish (through the one Publisher), list and get. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly repository: MessagesRepository,
    private readonly applicationRows: ApplicationsRepository,
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
    private readonly applications: ApplicationsService,
    private readonly commands: DeliveryCommands,
    @Inject(PUBLISHER) private readonly publisher: Publisher,
    private readonly tasks: BackgroundTasksService,
    @Inject(TRACING) private readonly tracing: Tracing,
  ) {}

  /**
   * Publishes a message. The engine stores it (in one statement that also resolves the
   * application and, for a message with few endpoints, creates its deliveries) and enqueues what
   * is to be done; if that enqueue is lost, the reconciler picks the work up from PostgreSQL.
   */
  async create(appIdOrUid: string, dto: MessageInDto, rawBody: Buffer | undefined, withContent: boolean, headers: HeaderMap = {}): Promise<MessageOut> {
    // The publish span (on): a child of the caller's valid traceparent, or a new trace; the message stores its context.
    const span = this.tracing.startIngress('publish', 'producer', traceContextOf(headers), this.tracing.enabled ? { 'switchyard.app': appIdOrUid } : {});
    try {
      const out = await this.publish(appIdOrUid, dto, rawBody, withContent, span.context);
      span.setAttributes({ 'switchyard.message_id': out.id, 'switchyard.event_type': out.eventType });
      span.end();
      return out;
    } catch (error) {
      // A refusal (4xx) is the caller's; anything else failed the publish.
      span.end(error instanceof ApiError && error.status < 500 ? undefined : ((error as Error)?.message ?? String(error)));
      throw error;
    }
  }

  private async publish(appIdOrUid: string, dto: MessageInDto, rawBody: Buffer | undefined, withContent: boolean, trace: TraceCarrier | null): Promise<MessageOut> {
    const payload = (rawBody && rawJsonMember(rawBody.toString('utf8'), 'payload')) || JSON.stringify(dto.payload);
    const payloadBytes = Buffer.byteLength(payload, 'utf8');
    if (payloadBytes > this.settings.maxPayloadBytes) {
      throw new ApiError(413, 'payload_too_large', `payload is ${payloadBytes} bytes; the limit is ${this.settings.maxPayloadBytes}`);
    }
    if (dto.deliverAt && dto.deliverAt.getTime() > Date.now() + MAX_DELIVER_AHEAD_MS) {
      throw unprocessable(['body', 'deliverAt'], 'deliverAt must be no more than 24 hours in the future');
    }
    const payloadExpiresAt = payloadExpiry(dto);
    const id = newId('msg');
    const message: MessageToPublish = {
      id,
      eventType: dto.eventType,
      eventId: dto.eventId ?? null,
      payload,
      channels: dto.channels ?? null,
      tags: dto.tags ?? null,
      deliverAt: dto.deliverAt ?? null,
      createdAt: timeOfId(id),
      payloadExpiresAt,
      traceParent: trace?.traceParent ?? null,
      traceState: trace?.traceState ?? null,
    };
    const byId = isId('app', appIdOrUid);
    let published = await this.publisher.publishMessage({ by: byId ? 'id' : 'uid', value: appIdOrUid }, message);
    if (!published.inserted && published.reason === 'no_application') {
      if (!dto.application || byId) throw notFound('application');
      await this.createApplication(appIdOrUid, dto.application);
      published = await this.publisher.publishMessage({ by: 'uid', value: appIdOrUid }, message);
      // Still none: the uid is taken by an internal application.
      if (!published.inserted && published.reason === 'no_application') throw conflict('An application with that uid already exists');
    }
    if (!published.inserted) throw conflict('A message with this eventId already exists');
    return {
      id: message.id,
      eventId: message.eventId,
      eventType: message.eventType,
      payload: withContent ? dto.payload : {},
      channels: message.channels,
      tags: message.tags,
      deliverAt: message.deliverAt?.toISOString() ?? null,
      timestamp: message.createdAt.toISOString(),
    };
  }

  /**
   * A message for exactly one endpoint (send-example): written already marked as fanned out,
   * so neither the fan-out nor the reconciler sends it anywhere else, then handed to the engine.
   */
  async createForEndpoint(app: ApplicationEntity, endpointId: string, eventType: string, payload: string): Promise<MessageOut> {
    const id = newId('msg');
    const message = await this.repository.insert({
      id,
      appId: app.id,
      eventType,
      eventId: null,
      payload,
      channels: null,
      tags: null,
      deliverAt: null,
      fannedOutAt: new Date(),
      createdAt: timeOfId(id),
    });
    await this.commands.sendToEndpoint(message.id, endpointId);
    return toMessageOut(message, true);
  }

  async list(appIdOrUid: string, query: MessageFilterQueryDto): Promise<ListResponse<MessageOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const withContent = query.with_content !== false;
    return this.repository.list(app.id, query, withContent, (m) => toMessageOut(m, withContent));
  }

  async get(appIdOrUid: string, msgIdOrEventId: string, withContent: boolean): Promise<MessageOut> {
    const app = await this.applications.findApp(appIdOrUid);
    return toMessageOut(await this.find(app, msgIdOrEventId), withContent);
  }

  /** The application's message with this id or eventId (Svix accepts either), or a 404. */
  async find(app: ApplicationEntity, msgIdOrEventId: string, withPayload = true): Promise<MessageEntity> {
    const where = isId('msg', msgIdOrEventId) ? { appId: app.id, id: msgIdOrEventId } : { appId: app.id, eventId: msgIdOrEventId };
    const message = await this.repository.find(where, withPayload);
    if (!message) throw notFound('message');
    return message;
  }

  /**
   * Removes the message's payload from PostgreSQL (Svix expunge-content). The message keeps its
   * id, type, routing and attempt log; a resend is refused from then on, and its deliveries not yet
   * sent fail (`payload_expunged`) rather than send anything in its place.
   */
  async expungeContent(appIdOrUid: string, msgIdOrEventId: string): Promise<void> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.find(app, msgIdOrEventId, false);
    await this.commands.expunge(app.id, [message.id]);
  }

  /** Expunges the payloads of the messages named by id or eventId; answers each name's fate. */
  async bulkExpungeContent(appIdOrUid: string, dto: BulkExpungeContentsInDto): Promise<BulkExpungeContentsOut> {
    const app = await this.applications.findApp(appIdOrUid);
    const names = [...new Set(dto.ids ?? [])];
    const found = names.length ? await this.repository.findByIdsOrEventIds(app.id, names) : [];
    const expunged = new Set(
      await this.commands.expunge(
        app.id,
        found.map((m) => m.id),
      ),
    );
    const byName = new Map<string, string>();
    for (const m of found) {
      byName.set(m.id, m.id);
      if (m.event_id !== null) byName.set(m.event_id, m.id);
    }
    const results: BulkExpungeContentsOut['results'] = {};
    for (const name of names) results[name] = expunged.has(byName.get(name) ?? '') ? 'expunged' : 'not-found';
    return { results };
  }

  /** Expunges the payload of every message of the application, recorded as an `application.purge_content` task. */
  async expungeAllContents(appIdOrUid: string): Promise<ExpungeAllContentsOut> {
    const app = await this.applications.findApp(appIdOrUid);
    const task = await this.tasks.run('application.purge_content', app.id, async () => ({ messagesPurged: await this.commands.expungeAll(app.id) }));
    return toBackgroundTaskStartedOut(task);
  }

  /** Svix's inline `application`: creates the application under the path's uid unless the uid is taken. */
  private async createApplication(uid: string, app: NonNullable<MessageInDto['application']>): Promise<void> {
    if (app.uid && app.uid !== uid) throw unprocessable(['body', 'application', 'uid'], 'application.uid must be the uid in the path');
    await this.applicationRows.insertUnlessUidTaken(uid, app);
  }
}

/**
 * When a message's payload goes if the publisher set its own retention (Svix
 * `payloadRetentionPeriod` in days or `payloadRetentionHours`, not both); null: PAYLOAD_RETENTION.
 */
function payloadExpiry(dto: Pick<MessageInDto, 'payloadRetentionPeriod' | 'payloadRetentionHours'>): Date | null {
  const days = dto.payloadRetentionPeriod ?? null;
  const hours = dto.payloadRetentionHours ?? null;
  if (days !== null && hours !== null) {
    throw unprocessable(['body', 'payloadRetentionHours'], 'payloadRetentionPeriod and payloadRetentionHours are mutually exclusive');
  }
  if (days !== null) return new Date(Date.now() + days * 24 * 3600 * 1000);
  if (hours !== null) return new Date(Date.now() + hours * 3600 * 1000);
  return null;
}
