import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiError, EndpointStore, ID_CURSOR, notFound, paginate, unprocessable, type ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import { AttemptEntity, DeliveryEntity, MessageEntity, type EndpointEntity } from '@switchyard/db';
import { idAtTime } from '@switchyard/events';
import { DataSource, In, type SelectQueryBuilder } from 'typeorm';
import { STATUS_CODE_CLASSES } from '../common/svix-types.js';
import { ApplicationsService } from '../applications/applications.service.js';
import { DeliveryCommands } from '../../engine/commands/delivery-commands.js';
import { toMessageOut } from '../messages/message.mapper.js';
import { applyMessageFilters, MessagesService } from '../messages/messages.service.js';
import {
  toEndpointMessageOut,
  toMessageAttemptOut,
  toMessageEndpointOut,
  type EndpointMessageOut,
  type MessageAttemptOut,
  type MessageEndpointOut,
} from './attempt.mapper.js';
import type { AttemptedMessagesQueryDto, AttemptListByEndpointQueryDto, AttemptListByMsgQueryDto } from './dto/attempt.dto.js';

/** The attempt-level filters (`status`, `status_code_class`, message filters, time bounds) on attempts aliased `a`. */
function applyAttemptFilters(qb: SelectQueryBuilder<AttemptEntity>, query: AttemptListByMsgQueryDto | AttemptListByEndpointQueryDto): void {
  if (query.status !== undefined) qb.andWhere('a.status = :status', { status: query.status });
  if (query.status_code_class !== undefined) {
    const [low, high] = STATUS_CODE_CLASSES[query.status_code_class]!;
    qb.andWhere('a.response_status_code BETWEEN :low AND :high', { low, high });
  }
  if (query.channel || query.tag || query.event_types?.length) {
    qb.innerJoin(MessageEntity, 'm', 'm.id = a.message_id');
    applyMessageFilters(qb, query);
  }
  if (query.before) qb.andWhere('a.id < :before', { before: idAtTime('atmpt', query.before) });
  if (query.after) qb.andWhere('a.id >= :after', { after: idAtTime('atmpt', query.after) });
}

const NEWEST_FIRST = { column: 'a.id', key: (a: AttemptEntity) => a.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' } as const;

/** A message whose payload is gone (past its retention, or expunged) can not be sent again. */
function payloadGone(): ApiError {
  return new ApiError(410, 'payload_expired', "the message's payload is gone (past its retention or expunged), so it can not be sent again");
}

/** Svix message attempts: the attempt log, per-endpoint and per-message delivery state, and resend. */
@Injectable()
export class AttemptsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly applications: ApplicationsService,
    private readonly messages: MessagesService,
    private readonly endpoints: EndpointStore,
    private readonly commands: DeliveryCommands,
  ) {}

  async listByEndpoint(appIdOrUid: string, endpointIdOrUid: string, query: AttemptListByEndpointQueryDto): Promise<ListResponse<MessageAttemptOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const endpoint = await this.endpoints.find(app.id, endpointIdOrUid);
    const qb = this.dataSource.getRepository(AttemptEntity).createQueryBuilder('a').where('a.endpoint_id = :endpointId', { endpointId: endpoint.id });
    applyAttemptFilters(qb, query);
    const withContent = query.with_content !== false;
    const page = await paginate(qb, query, NEWEST_FIRST, (a) => a);
    if (!query.with_msg) return { ...page, data: page.data.map((a) => toMessageAttemptOut(a, withContent)) };
    // The page's messages in one query.
    const ids = [...new Set(page.data.map((a) => a.messageId))];
    const messages = ids.length ? await this.dataSource.manager.findBy(MessageEntity, { id: In(ids) }) : [];
    const byId = new Map(messages.map((m) => [m.id, toMessageOut(m, withContent)]));
    return { ...page, data: page.data.map((a) => toMessageAttemptOut(a, withContent, byId.get(a.messageId) ?? null)) };
  }

  async listByMsg(appIdOrUid: string, msgIdOrEventId: string, query: AttemptListByMsgQueryDto): Promise<ListResponse<MessageAttemptOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId);
    const qb = this.dataSource.getRepository(AttemptEntity).createQueryBuilder('a').where('a.message_id = :messageId', { messageId: message.id });
    if (query.endpoint_id !== undefined) {
      const endpoint = await this.endpoints.find(app.id, query.endpoint_id);
      qb.andWhere('a.endpoint_id = :endpointId', { endpointId: endpoint.id });
    }
    applyAttemptFilters(qb, query);
    const withContent = query.with_content !== false;
    return paginate(qb, query, NEWEST_FIRST, (a) => toMessageAttemptOut(a, withContent));
  }

  async get(appIdOrUid: string, msgIdOrEventId: string, attemptId: string): Promise<MessageAttemptOut> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId);
    const attempt = await this.dataSource.manager.findOneBy(AttemptEntity, { id: attemptId, messageId: message.id });
    if (!attempt) throw notFound('message attempt');
    return toMessageAttemptOut(attempt, true);
  }

  /**
   * One more attempt of the message to the endpoint, now (Svix resend). The engine creates the
   * delivery if the endpoint never had one for this message, and leaves an attempt in flight alone.
   */
  async resend(appIdOrUid: string, msgIdOrEventId: string, endpointIdOrUid: string): Promise<void> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId);
    if (message.payload === null) throw payloadGone();
    const endpoint = await this.endpoints.find(app.id, endpointIdOrUid);
    if (await this.commands.resend(message.id, endpoint.id)) return;
    // The engine requires the payload too: the retention sweep or an expunge may have taken it meanwhile.
    const now = await this.messages.find(app, message.id).catch(() => null);
    throw now && now.payload === null ? payloadGone() : notFound('message or endpoint');
  }

  /** Removes the attempt's response body from the database (Svix attempt expunge-content); it reads `EXPUNGED` from then on. */
  async expungeContent(appIdOrUid: string, msgIdOrEventId: string, attemptId: string): Promise<void> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId, false);
    if (!(await this.commands.expungeAttempt(message.id, attemptId))) throw notFound('message attempt');
  }

  /** The endpoint's deliveries, newest first, as the messages they carry with their state there. */
  async listAttemptedMessages(appIdOrUid: string, endpointIdOrUid: string, query: AttemptedMessagesQueryDto): Promise<ListResponse<EndpointMessageOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const endpoint = await this.endpoints.find(app.id, endpointIdOrUid);
    const qb = this.dataSource
      .getRepository(DeliveryEntity)
      .createQueryBuilder('d')
      .innerJoinAndSelect('d.message', 'm')
      .where('d.endpoint_id = :endpointId', { endpointId: endpoint.id });
    if (query.status !== undefined) qb.andWhere('d.status = :status', { status: query.status });
    applyMessageFilters(qb, query);
    if (query.before) qb.andWhere('d.id < :before', { before: idAtTime('mdst', query.before) });
    if (query.after) qb.andWhere('d.id >= :after', { after: idAtTime('mdst', query.after) });
    // Svix's iterator here is a message id; the page is ordered by delivery, so translate it.
    const cursor = await this.deliveryCursor(endpoint, query.iterator);
    const withContent = query.with_content !== false;
    const page = await paginate(
      qb,
      { ...query, iterator: cursor?.deliveryIterator },
      { column: 'd.id', key: (d) => d.messageId, cursorPattern: ID_CURSOR, defaultOrder: 'descending' },
      (d) => toEndpointMessageOut(d as DeliveryEntity & { message: MessageEntity }, withContent),
    );
    return cursor && page.data.length === 0 ? { ...page, iterator: cursor.messageId } : page;
  }

  /** The endpoints a message was (or is being) delivered to, with its state at each. */
  async listAttemptedDestinations(appIdOrUid: string, msgIdOrEventId: string, query: ListQueryDto): Promise<ListResponse<MessageEndpointOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const message = await this.messages.find(app, msgIdOrEventId);
    const qb = this.dataSource
      .getRepository(DeliveryEntity)
      .createQueryBuilder('d')
      .innerJoinAndSelect('d.endpoint', 'e')
      .where('d.message_id = :messageId', { messageId: message.id });
    return paginate(qb, query, { column: 'd.endpoint_id', key: (d) => d.endpointId, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, (d) =>
      toMessageEndpointOut(d as DeliveryEntity & { endpoint: EndpointEntity }),
    );
  }

  /** A message-id iterator (optionally `-`-prefixed) as the id of that message's delivery to the endpoint. */
  private async deliveryCursor(endpoint: EndpointEntity, iterator: string | undefined): Promise<{ messageId: string; deliveryIterator: string } | undefined> {
    if (iterator === undefined || iterator === '') return undefined;
    const backwards = iterator.startsWith('-');
    const messageId = backwards ? iterator.slice(1) : iterator;
    if (!ID_CURSOR.test(messageId)) throw unprocessable(['query', 'iterator'], 'iterator is not valid');
    const delivery = await this.dataSource.manager.findOne(DeliveryEntity, { select: { id: true }, where: { messageId, endpointId: endpoint.id } });
    if (!delivery) throw unprocessable(['query', 'iterator'], 'iterator is not valid');
    return { messageId, deliveryIterator: `${backwards ? '-' : ''}${delivery.id}` };
  }
}
