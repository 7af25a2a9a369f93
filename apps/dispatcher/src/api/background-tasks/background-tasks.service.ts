import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ID_CURSOR, notFound, paginate, type ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import { BackgroundTaskEntity, BackgroundTaskStatus } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import { DataSource } from 'typeorm';
import { toBackgroundTaskOut, type BackgroundTaskOut, type BackgroundTaskType } from './background-task.mapper.js';

/**
 * Svix background tasks: the record of a long operation (replay-missing, expunge-all-contents,
 * recover). Ours run to the end inside the request that starts them, in bounded batches, so a
 * task is written once, finished (or failed), with its result; `GET /api/v1/background-task/{id}`
 * reads it back as Svix's SDKs expect.
 */
@Injectable()
export class BackgroundTasksService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` and records the task with its result; a failure is recorded too, then rethrown. */
  async run(task: BackgroundTaskType, appId: string | null, work: () => Promise<Record<string, unknown>>): Promise<BackgroundTaskEntity> {
    const id = newId(IdPrefix.backgroundTask);
    let status = BackgroundTaskStatus.Finished;
    let data: Record<string, unknown>;
    try {
      data = await work();
    } catch (error) {
      await this.record({ id, appId, task, status: BackgroundTaskStatus.Failed, data: {} });
      throw error;
    }
    return this.record({ id, appId, task, status, data });
  }

  async get(taskId: string): Promise<BackgroundTaskOut> {
    const task = await this.dataSource.manager.findOneBy(BackgroundTaskEntity, { id: taskId });
    if (!task) throw notFound('background task');
    return toBackgroundTaskOut(task);
  }

  async list(query: ListQueryDto): Promise<ListResponse<BackgroundTaskOut>> {
    const qb = this.dataSource.getRepository(BackgroundTaskEntity).createQueryBuilder('t');
    return paginate(qb, query, { column: 't.id', key: (t) => t.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, toBackgroundTaskOut);
  }

  private async record(fields: Pick<BackgroundTaskEntity, 'id' | 'appId' | 'task' | 'status' | 'data'>): Promise<BackgroundTaskEntity> {
    const now = new Date();
    await this.dataSource.query(
      `INSERT INTO background_tasks (id, app_id, task, status, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
      [fields.id, fields.appId, fields.task, fields.status, JSON.stringify(fields.data), now],
    );
    return Object.assign(new BackgroundTaskEntity(), { ...fields, createdAt: now, updatedAt: now });
  }
}
