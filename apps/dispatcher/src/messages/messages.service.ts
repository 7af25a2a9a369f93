import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiError, conflict, ID_CURSOR, notFound, paginate, unprocessable, type ListResponse } from '@switchyard/api-kit';
import { ApplicationKind, MessageEntity, type ApplicationEntity } from '@switchyard/db';
import { idAtTime, isId, newId } from '@switchyard/events';
import { DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { isUniqueViolation } from '../api-common/db-errors.js';
import { timeOfId } from '../api-common/id-time.js';
import { ApplicationsService } from '../applications/applications.service.js';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../config/dispatcher-settings.js';
import { DeliveryCommands } from '../delivery/delivery-commands.js';
import type { MessageFilterQueryDto, MessageInDto } from './dto/message.dto.js';
import { toMessageOut, type MessageOut } from './message.mapper.js';
import { rawJsonMember } from './raw-json.js';

/** How far ahead `deliverAt` may be (Svix: 24 hours), plus clock slack. */
const MAX_DELIVER_AHEAD_MS = 24 * 3600 * 1000 + 5 * 60 * 1000;

/** Columns of a message row, payload aside. */
const MESSAGE_COLUMNS = ['m.id', 'm.appId', 'm.eventType', 'm.eventId', 'm.channels', 'm.tags', 'm.deliverAt', 'm.fannedOutAt', 'm.createdAt'];

/** The fields of a new message row. */
interface NewMessage {
  readonly id: string;
  readonly eventType: string;
  readonly eventId: string | null;
  readonly payload: string;
  readonly channels: string[] | null;
  readonly tags: string[] | null;
  readonly deliverAt: Date | null;
}

/** Svix messages: publish (one statement, then the engine is told), list and get. */
@Injectable()
export class MessagesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
    private readonly applications: ApplicationsService,
    private readonly commands: DeliveryCommands,
  ) {}

  /**
   * Publishes a message. The row is committed before this returns (one INSERT … SELECT that
   * also resolves the application), and only then is the engine told to fan it out; if that
   * enqueue is lost, the reconciler fans out messages left with `fanned_out_at` NULL.
   */
  async create(appIdOrUid: string, dto: MessageInDto, rawBody: Buffer | undefined, withContent: boolean): Promise<MessageOut> {
    const payload = (rawBody && rawJsonMember(rawBody.toString('utf8'), 'payload')) || JSON.stringify(dto.payload);
    const payloadBytes = Buffer.byteLength(payload, 'utf8');
    if (payloadBytes > this.settings.maxPayloadBytes) {
      throw new ApiError(413, 'payload_too_large', `payload is ${payloadBytes} bytes; the limit is ${this.settings.maxPayloadBytes}`);
    }
    if (dto.deliverAt && dto.deliverAt.getTime() > Date.now() + MAX_DELIVER_AHEAD_MS) {
      throw unprocessable(['body', 'deliverAt'], 'deliverAt must be no more than 24 hours in the future');
    }
    const message: NewMessage = {
      id: newId('msg'),
      eventType: dto.eventType,
      eventId: dto.eventId ?? null,
      payload,
      channels: dto.channels ?? null,
      tags: dto.tags ?? null,
      deliverAt: dto.deliverAt ?? null,
    };
    try {
      if (!(await this.insert(this.dataSource.manager, appIdOrUid, message))) {
        if (!dto.application || isId('app', appIdOrUid)) throw notFound('application');
        await this.insertWithApplication(appIdOrUid, dto.application, message);
      }
    } catch (error) {
      if (isUniqueViolation(error, 'messages_app_event_id_key')) throw conflict('A message with this eventId already exists');
      throw error;
    }
    await this.commands.published([message.id]);
    return {
      id: message.id,
      eventId: message.eventId,
      eventType: message.eventType,
      payload: withContent ? dto.payload : {},
      channels: message.channels,
      tags: message.tags,
      deliverAt: message.deliverAt?.toISOString() ?? null,
      timestamp: timeOfId(message.id).toISOString(),
    };
  }

  /**
   * A message for exactly one endpoint (send-example): written already marked as fanned out,
   * so neither the fan-out nor the reconciler sends it anywhere else, then handed to the engine.
   */
  async createForEndpoint(app: ApplicationEntity, endpointId: string, eventType: string, payload: string): Promise<MessageOut> {
    const message = this.dataSource.manager.create(MessageEntity, {
      id: newId('msg'),
      appId: app.id,
      eventType,
      eventId: null,
      payload,
      channels: null,
      tags: null,
      deliverAt: null,
      fannedOutAt: new Date(),
    });
    message.createdAt = timeOfId(message.id);
    await this.dataSource.manager.insert(MessageEntity, message);
    await this.commands.sendToEndpoint(message.id, endpointId);
    return toMessageOut(message, true);
  }

  async list(appIdOrUid: string, query: MessageFilterQueryDto): Promise<ListResponse<MessageOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const withContent = query.with_content !== false;
    const qb = this.dataSource.getRepository(MessageEntity).createQueryBuilder('m').where('m.app_id = :appId', { appId: app.id });
    if (!withContent) qb.select(MESSAGE_COLUMNS);
    applyMessageFilters(qb, query);
    if (query.before) qb.andWhere('m.id < :before', { before: idAtTime('msg', query.before) });
    if (query.after) qb.andWhere('m.id >= :after', { after: idAtTime('msg', query.after) });
    return paginate(qb, query, { column: 'm.id', key: (m) => m.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, (m) => toMessageOut(m, withContent));
  }

  async get(appIdOrUid: string, msgIdOrEventId: string, withContent: boolean): Promise<MessageOut> {
    const app = await this.applications.findApp(appIdOrUid);
    return toMessageOut(await this.find(app, msgIdOrEventId), withContent);
  }

  /** The application's message with this id or eventId (Svix accepts either), or a 404. */
  async find(app: ApplicationEntity, msgIdOrEventId: string): Promise<MessageEntity> {
    const where = isId('msg', msgIdOrEventId) ? { appId: app.id, id: msgIdOrEventId } : { appId: app.id, eventId: msgIdOrEventId };
    const message = await this.dataSource.manager.findOneBy(MessageEntity, where);
    if (!message) throw notFound('message');
    return message;
  }

  /**
   * Inserts the message into the customer application the path names; false when there is no
   * such application. Its creation time is its id's, so `timestamp` and id order always agree.
   */
  private async insert(manager: EntityManager, appIdOrUid: string, m: NewMessage): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO messages (id, app_id, event_type, event_id, payload, channels, tags, deliver_at, created_at)
       SELECT $1, a.id, $3, $4, $5, $6, $7, $8, $10 FROM applications a WHERE a.${isId('app', appIdOrUid) ? 'id' : 'uid'} = $2 AND a.kind = $9
       RETURNING 1`,
      [m.id, appIdOrUid, m.eventType, m.eventId, m.payload, m.channels, m.tags, m.deliverAt, ApplicationKind.App, timeOfId(m.id)],
    );
    return rows.length > 0;
  }

  /** Svix's inline `application`: creates the application under the path's uid, and the message in it, in one transaction. */
  private insertWithApplication(uid: string, app: NonNullable<MessageInDto['application']>, m: NewMessage): Promise<void> {
    if (app.uid && app.uid !== uid) throw unprocessable(['body', 'application', 'uid'], 'application.uid must be the uid in the path');
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO applications (id, uid, name, kind, rate_limit, metadata) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (uid) DO NOTHING`,
        [newId('app'), uid, app.name, ApplicationKind.App, app.throttleRate ?? app.rateLimit ?? null, app.metadata ?? {}],
      );
      // Not inserted: the uid is taken by an internal application.
      if (!(await this.insert(manager, uid, m))) throw conflict('An application with that uid already exists');
    });
  }
}

/** The `channel`, `tag` and `event_types` filters on messages aliased `m`. */
export function applyMessageFilters<T extends object>(qb: SelectQueryBuilder<T>, query: Pick<MessageFilterQueryDto, 'channel' | 'tag' | 'event_types'>): void {
  if (query.channel) qb.andWhere('m.channels @> ARRAY[:channel]::text[]', { channel: query.channel });
  if (query.tag) qb.andWhere('m.tags @> ARRAY[:tag]::text[]', { tag: query.tag });
  if (query.event_types?.length) qb.andWhere('m.event_type IN (:...eventTypes)', { eventTypes: query.event_types });
}
