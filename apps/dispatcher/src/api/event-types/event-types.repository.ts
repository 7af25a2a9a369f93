import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { paginate, type ListResponse } from '@switchyard/api-kit';
import { EventTypeEntity } from '@switchyard/db';
import { DataSource, type QueryDeepPartialEntity } from 'typeorm';
import type { EventTypeListQueryDto } from './dto/event-type.dto.js';

/** What a cursor of an event-type list looks like: a name. */
const NAME_CURSOR = /^[a-zA-Z0-9\-_.]{1,256}$/;

/** Every statement on `event_types` the Svix API runs (CONTRIBUTING.md, "Reach the database"). */
@Injectable()
export class EventTypesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A page of event types by name, archived ones only when asked. */
  list<T>(query: EventTypeListQueryDto, map: (eventType: EventTypeEntity) => T): Promise<ListResponse<T>> {
    const qb = this.dataSource.getRepository(EventTypeEntity).createQueryBuilder('t');
    if (!query.include_archived) qb.where('t.archived = false');
    return paginate(qb, query, { column: 't.name', key: (t) => t.name, cursorPattern: NAME_CURSOR, defaultOrder: 'ascending' }, map);
  }

  /** The event type with this name, archived or not. */
  find(name: string): Promise<EventTypeEntity | null> {
    return this.dataSource.manager.findOneBy(EventTypeEntity, { name });
  }

  /** Of these names, those of event types that exist and are not archived. */
  async existingNames(names: readonly string[]): Promise<string[]> {
    const rows: { name: string }[] = await this.dataSource.query('SELECT name FROM event_types WHERE name = ANY($1) AND NOT archived', [names]);
    return rows.map((r) => r.name);
  }

  /** Inserts an event type; a taken name fails with a unique violation. */
  async insert(name: string, fields: Partial<EventTypeEntity>): Promise<EventTypeEntity> {
    const eventType = this.dataSource.manager.create(EventTypeEntity, { ...fields, name });
    await this.dataSource.manager.insert(EventTypeEntity, eventType as QueryDeepPartialEntity<EventTypeEntity>);
    return eventType;
  }

  /** Writes the fields and answers the event type as stored. */
  async update(name: string, fields: Partial<EventTypeEntity>): Promise<EventTypeEntity> {
    await this.dataSource.manager.update(EventTypeEntity, { name }, fields as QueryDeepPartialEntity<EventTypeEntity>);
    return this.dataSource.manager.findOneByOrFail(EventTypeEntity, { name });
  }

  async archive(name: string): Promise<void> {
    await this.dataSource.manager.update(EventTypeEntity, { name }, { archived: true });
  }

  async delete(name: string): Promise<void> {
    await this.dataSource.manager.delete(EventTypeEntity, { name });
  }
}
