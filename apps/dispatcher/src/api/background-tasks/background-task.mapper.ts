import { ApiProperty } from '@nestjs/swagger';
import { BackgroundTaskStatus, type BackgroundTaskEntity } from '@switchyard/db';
import { EXAMPLE } from '../common/api-docs.js';

/** Svix's BackgroundTaskType values this server produces. */
export const BACKGROUND_TASK_TYPES = ['endpoint.replay', 'endpoint.recover', 'application.purge_content'] as const;
export type BackgroundTaskType = (typeof BACKGROUND_TASK_TYPES)[number];

const TASK_ID_EXAMPLE = 'qtask_01KQ8ZP3H6V0T2C9M4X7B1N5RS';

/** Svix `ReplayOut`, `RecoverOut`, `ExpungeAllContentsOut`: the task a long operation started. */
export class BackgroundTaskStartedOut {
  @ApiProperty({ type: String, description: "The background task's id", example: TASK_ID_EXAMPLE })
  id: string;

  @ApiProperty({ enum: Object.values(BackgroundTaskStatus), enumName: 'BackgroundTaskStatus' })
  status: BackgroundTaskStatus;

  @ApiProperty({ enum: BACKGROUND_TASK_TYPES, enumName: 'BackgroundTaskType' })
  task: BackgroundTaskType;

  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.time })
  updatedAt: string;
}

/** Svix `BackgroundTaskOut`: a task with its result. */
export class BackgroundTaskOut extends BackgroundTaskStartedOut {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The result, e.g. `{"messagesSent": 2}` or `{"messagesPurged": 150}`', example: { messagesSent: 2 } })
  data: Record<string, unknown>;
}

/** Maps a task row to what its starting operation answers. */
export function toBackgroundTaskStartedOut(task: BackgroundTaskEntity): BackgroundTaskStartedOut {
  return { id: task.id, status: task.status, task: task.task as BackgroundTaskType, updatedAt: task.updatedAt.toISOString() };
}

/** Maps a task row to Svix's `BackgroundTaskOut`. */
export function toBackgroundTaskOut(task: BackgroundTaskEntity): BackgroundTaskOut {
  return { ...toBackgroundTaskStartedOut(task), data: task.data ?? {} };
}
