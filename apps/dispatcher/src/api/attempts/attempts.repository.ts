import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ID_CURSOR, paginate, type ListQueryDto, type ListResponse, type PageRequest } from '@switchyard/api-kit';
import { AttemptEntity, DeliveryEntity, MessageEntity, type EndpointEntity } from '@switchyard/db';
import { idAtTime } from '@switchyard/events';
import { DataSource, In, type SelectQueryBuilder } from 'typeorm';
import { STATUS_CODE_CLASSES } from '../common/svix-types.js';
import { applyMessageFilters } from '../messages/messages.repository.js';
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

/** The Svix API's reads of `attempts` and `deliveries` (CONTRIBUTING.md, "Reach the database"); the engine writes them. */
@Injectable()
export class AttemptsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A page of the endpoint's attempts, newest first by default. */
  listByEndpoint(endpointId: string, query: AttemptListByEndpointQueryDto): Promise<ListResponse<AttemptEntity>> {
    const qb = this.dataSource.getRepository(AttemptEntity).createQueryBuilder('a').where('a.endpoint_id = :endpointId', { endpointId });
    applyAttemptFilters(qb, query);
    return paginate(qb, query, NEWEST_FIRST, (a) => a);
  }

  /** A page of the message's attempts (to one endpoint when `endpointId` is given), newest first by default. */
  listByMsg<T>(messageId: string, endpointId: string | undefined, query: AttemptListByMsgQueryDto, map: (attempt: AttemptEntity) => T): Promise<ListResponse<T>> {
    const qb = this.dataSource.getRepository(AttemptEntity).createQueryBuilder('a').where('a.message_id = :messageId', { messageId });
    if (endpointId !== undefined) qb.andWhere('a.endpoint_id = :endpointId', { endpointId });
    applyAttemptFilters(qb, query);
    return paginate(qb, query, NEWEST_FIRST, map);
  }

  /** The messages with these ids, in one query. */
  messagesByIds(ids: readonly string[]): Promise<MessageEntity[]> {
    return this.dataSource.manager.findBy(MessageEntity, { id: In([...ids]) });
  }

  findAttempt(messageId: string, attemptId: string): Promise<AttemptEntity | null> {
    return this.dataSource.manager.findOneBy(AttemptEntity, { id: attemptId, messageId });
  }

  /** A page of the endpoint's deliveries with their messages, newest first by default; `request.iterator` is a delivery id. */
  listDeliveriesOfEndpoint<T>(endpointId: string, query: AttemptedMessagesQueryDto, request: PageRequest, map: (delivery: DeliveryEntity & { message: MessageEntity }) => T): Promise<ListResponse<T>> {
    const qb = this.dataSource.getRepository(DeliveryEntity).createQueryBuilder('d').innerJoinAndSelect('d.message', 'm').where('d.endpoint_id = :endpointId', { endpointId });
    if (query.status !== undefined) qb.andWhere('d.status = :status', { status: query.status });
    applyMessageFilters(qb, query);
    if (query.before) qb.andWhere('d.id < :before', { before: idAtTime('mdst', query.before) });
    if (query.after) qb.andWhere('d.id >= :after', { after: idAtTime('mdst', query.after) });
    return paginate(qb, request, { column: 'd.id', key: (d) => d.messageId, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, (d) => map(d as DeliveryEntity & { message: MessageEntity }));
  }

  /** A page of the message's deliveries with their endpoints, by endpoint id. */
  listDeliveriesOfMessage<T>(messageId: string, query: ListQueryDto, map: (delivery: DeliveryEntity & { endpoint: EndpointEntity }) => T): Promise<ListResponse<T>> {
    const qb = this.dataSource.getRepository(DeliveryEntity).createQueryBuilder('d').innerJoinAndSelect('d.endpoint', 'e').where('d.message_id = :messageId', { messageId });
    return paginate(qb, query, { column: 'd.endpoint_id', key: (d) => d.endpointId, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, (d) =>
      map(d as DeliveryEntity & { endpoint: EndpointEntity }),
    );
  }

  /** The id of the message's delivery to the endpoint, if it has one. */
  async deliveryIdOf(messageId: string, endpointId: string): Promise<string | null> {
    const delivery = await this.dataSource.manager.findOne(DeliveryEntity, { select: { id: true }, where: { messageId, endpointId } });
    return delivery?.id ?? null;
  }
}
