import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ID_CURSOR, paginate, type ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import { BackgroundTaskEntity } from '@switchyard/db';
import { DataSource } from 'typeorm';

/** Every statement on `background_tasks` (CONTRIBUTING.md, "Reach the database"). */
@Injectable()
export class BackgroundTasksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  find(taskId: string): Promise<BackgroundTaskEntity | null> {
    return this.dataSource.manager.findOneBy(BackgroundTaskEntity, { id: taskId });
  }

  /** A page of tasks, newest first by default. */
  list<T>(query: ListQueryDto, map: (task: BackgroundTaskEntity) => T): Promise<ListResponse<T>> {
    const qb = this.dataSource.getRepository(BackgroundTaskEntity).createQueryBuilder('t');
    return paginate(qb, query, { column: 't.id', key: (t) => t.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, map);
  }

  /** Writes a finished (or failed) task, created and updated at `now`. */
  async insert(fields: Pick<BackgroundTaskEntity, 'id' | 'appId' | 'task' | 'status' | 'data'>, now: Date): Promise<void> {
    await this.dataSource.query(`INSERT INTO background_tasks (id, app_id, task, status, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`, [
      fields.id,
      fields.appId,
      fields.task,
      fields.status,
      JSON.stringify(fields.data),
      now,
    ]);
  }
}
