import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ID_CURSOR, paginate, type ListResponse } from '@switchyard/api-kit';
import { MessageEntity } from '@switchyard/db';
import { idAtTime } from '@switchyard/events';
import { DataSource, type DeepPartial, type SelectQueryBuilder } from 'typeorm';
import type { MessageFilterQueryDto } from './dto/message.dto.js';

/** Columns of a message row, payload aside. */
const MESSAGE_COLUMNS = ['m.id', 'm.appId', 'm.eventType', 'm.eventId', 'm.channels', 'm.tags', 'm.deliverAt', 'm.fannedOutAt', 'm.createdAt'];

/** The `channel`, `tag` and `event_types` filters on messages aliased `m` (for the repositories that list by message). */
export function applyMessageFilters<T extends object>(qb: SelectQueryBuilder<T>, query: Pick<MessageFilterQueryDto, 'channel' | 'tag' | 'event_types'>): void {
  if (query.channel) qb.andWhere('m.channels @> ARRAY[:channel]::text[]', { channel: query.channel });
  if (query.tag) qb.andWhere('m.tags @> ARRAY[:tag]::text[]', { tag: query.tag });
  if (query.event_types?.length) qb.andWhere('m.event_type IN (:...eventTypes)', { eventTypes: query.event_types });
}

/**
 * The Svix API's statements on `messages` (CONTRIBUTING.md, "Reach the database"); a publish goes
 * through the Publisher, the engine's writes through DeliveryRepository.
 */
@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts a message as given (send-example's message, already marked fanned out) and answers it. */
  async insert(fields: DeepPartial<MessageEntity>): Promise<MessageEntity> {
    const message = this.dataSource.manager.create(MessageEntity, fields);
    await this.dataSource.manager.insert(MessageEntity, message);
    return message;
  }

  /** A page of the application's messages, newest first by default, without payloads unless `withContent`. */
  list<T>(appId: string, query: MessageFilterQueryDto, withContent: boolean, map: (message: MessageEntity) => T): Promise<ListResponse<T>> {
    const qb = this.dataSource.getRepository(MessageEntity).createQueryBuilder('m').where('m.app_id = :appId', { appId });
    if (!withContent) qb.select(MESSAGE_COLUMNS);
    applyMessageFilters(qb, query);
    if (query.before) qb.andWhere('m.id < :before', { before: idAtTime('msg', query.before) });
    if (query.after) qb.andWhere('m.id >= :after', { after: idAtTime('msg', query.after) });
    return paginate(qb, query, { column: 'm.id', key: (m) => m.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, map);
  }

  /** The application's message matching `where` (by id or by eventId): the whole row, or only its id, appId and eventId. */
  find(where: { appId: string; id: string } | { appId: string; eventId: string }, withPayload: boolean): Promise<MessageEntity | null> {
    return withPayload ? this.dataSource.manager.findOneBy(MessageEntity, where) : this.dataSource.manager.findOne(MessageEntity, { where, select: { id: true, appId: true, eventId: true } });
  }

  /** The application's messages whose id or eventId is one of `names`. */
  findByIdsOrEventIds(appId: string, names: readonly string[]): Promise<{ id: string; event_id: string | null }[]> {
    return this.dataSource.query(`SELECT id, event_id FROM messages WHERE app_id = $1 AND (id = ANY ($2::varchar[]) OR event_id = ANY ($2::varchar[]))`, [appId, names]);
  }
}
