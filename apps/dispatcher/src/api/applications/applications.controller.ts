import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ListResponseOf, type ListResponse } from '@switchyard/api-kit';
import type { FastifyReply } from 'fastify';
import { ApiAppIdParam } from '../common/api-docs.js';
import { ApplicationOut } from './application.mapper.js';
import { ApplicationsService } from './applications.service.js';
import { ApplicationCreateQueryDto, ApplicationInDto, ApplicationListQueryDto, ApplicationPatchDto } from './dto/application.dto.js';

/** Svix `application.*`: `/api/v1/app`. */
@Controller('api/v1/app')
@ApiTags('Application')
@ApiErrors(401, 403, 422)
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.application.list', summary: 'List Applications', description: 'Oldest first unless `order=descending`.' })
  @ApiOkResponse({ type: ListResponseOf(ApplicationOut) })
  list(@Query() query: ApplicationListQueryDto): Promise<ListResponse<ApplicationOut>> {
    return this.applications.list(query);
  }

  /** create (201), or getOrCreate with `get_if_exists=true` (200 when it already existed). */
  @Post()
  @ApiOperation({
    operationId: 'v1.application.create',
    summary: 'Create Application',
    description: "With `get_if_exists=true` (the SDK's getOrCreate), an existing application with the same uid is answered (200) instead of a 409.",
  })
  @ApiCreatedResponse({ type: ApplicationOut, description: 'Created' })
  @ApiOkResponse({ type: ApplicationOut, description: 'Already existed (`get_if_exists=true`)' })
  @ApiErrors(400, 409)
  async create(@Query() query: ApplicationCreateQueryDto, @Body() body: ApplicationInDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<ApplicationOut> {
    const { value, created } = await this.applications.create(body, query.get_if_exists === true);
    void reply.status(created ? 201 : 200);
    return value;
  }

  @Get(':app_id')
  @ApiOperation({ operationId: 'v1.application.get', summary: 'Get Application' })
  @ApiAppIdParam()
  @ApiOkResponse({ type: ApplicationOut })
  @ApiErrors(404)
  get(@Param('app_id') appId: string): Promise<ApplicationOut> {
    return this.applications.get(appId);
  }

  /** Svix's update is an upsert: 201 when it created the application. */
  @Put(':app_id')
  @ApiOperation({
    operationId: 'v1.application.update',
    summary: 'Update Application',
    description: 'Replaces every field; creates the application (201) when the path names none, keeping a uid path as its uid.',
  })
  @ApiAppIdParam()
  @ApiOkResponse({ type: ApplicationOut, description: 'Updated' })
  @ApiCreatedResponse({ type: ApplicationOut, description: 'Created' })
  @ApiErrors(400, 409)
  async update(@Param('app_id') appId: string, @Body() body: ApplicationInDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<ApplicationOut> {
    const { value, created } = await this.applications.update(appId, body);
    void reply.status(created ? 201 : 200);
    return value;
  }

  @Patch(':app_id')
  @ApiOperation({ operationId: 'v1.application.patch', summary: 'Patch Application', description: 'Only the fields present change; null clears a nullable one.' })
  @ApiAppIdParam()
  @ApiOkResponse({ type: ApplicationOut })
  @ApiErrors(400, 404, 409)
  patch(@Param('app_id') appId: string, @Body() body: ApplicationPatchDto): Promise<ApplicationOut> {
    return this.applications.patch(appId, body);
  }

  @Delete(':app_id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.application.delete', summary: 'Delete Application', description: 'Deletes the application with its endpoints, messages and attempts.' })
  @ApiAppIdParam()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(404)
  async remove(@Param('app_id') appId: string): Promise<void> {
    await this.applications.remove(appId);
  }
}
