import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiIdParam, ListQueryDto, ListResponseOf, type ListResponse } from '@switchyard/api-kit';
import { BackgroundTaskOut } from './background-task.mapper.js';
import { BackgroundTasksService } from './background-tasks.service.js';

/** Svix `backgroundTask.*`: `/api/v1/background-task`. */
@Controller('api/v1/background-task')
@ApiTags('Background Task')
@ApiErrors(401, 403, 422)
export class BackgroundTasksController {
  constructor(private readonly tasks: BackgroundTasksService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.background-task.list', summary: 'List Background Tasks', description: 'Newest first unless `order=ascending`.' })
  @ApiOkResponse({ type: ListResponseOf(BackgroundTaskOut) })
  list(@Query() query: ListQueryDto): Promise<ListResponse<BackgroundTaskOut>> {
    return this.tasks.list(query);
  }

  @Get(':task_id')
  @ApiOperation({ operationId: 'v1.background-task.get', summary: 'Get Background Task' })
  @ApiIdParam('task_id', "The task's id (`qtask_…`)", 'qtask_01KQ8ZP3H6V0T2C9M4X7B1N5RS')
  @ApiOkResponse({ type: BackgroundTaskOut })
  @ApiErrors(404)
  get(@Param('task_id') taskId: string): Promise<BackgroundTaskOut> {
    return this.tasks.get(taskId);
  }
}
