import { Injectable } from '@nestjs/common';
import { notFound, type ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import { BackgroundTaskEntity, BackgroundTaskStatus } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import { toBackgroundTaskOut, type BackgroundTaskOut, type BackgroundTaskType } from './background-task.mapper.js';
import { BackgroundTasksRepository } from './background-tasks.repository.js';

/**
 * Svix background tasks: the record of a long operation (replay-missing, expunge-all-contents,
 * recover). Ours run to the end inside the request that starts them, in bounded batches, so a
 * task is written once, finished (or failed), with its result; `GET /api/v1/background-task/{id}`
 * reads it back as Svix's SDKs expect.
 */
@Injectable()
export class BackgroundTasksService {
  constructor(private readonly repository: BackgroundTasksRepository) {}

  /** Runs `work` and records the task with its result; a failure is recorded too, then rethrown. */
  async run(task: BackgroundTaskType, appId: string | null, work: () => Promise<Record<string, unknown>>): Promise<BackgroundTaskEntity> {
    const id = newId(IdPrefix.backgroundTask);
    const status = BackgroundTaskStatus.Finished;
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
    const task = await this.repository.find(taskId);
    if (!task) throw notFound('background task');
    return toBackgroundTaskOut(task);
  }

  async list(query: ListQueryDto): Promise<ListResponse<BackgroundTaskOut>> {
    return this.repository.list(query, toBackgroundTaskOut);
  }

  private async record(fields: Pick<BackgroundTaskEntity, 'id' | 'appId' | 'task' | 'status' | 'data'>): Promise<BackgroundTaskEntity> {
    const now = new Date();
    await this.repository.insert(fields, now);
    return Object.assign(new BackgroundTaskEntity(), { ...fields, createdAt: now, updatedAt: now });
  }
}
