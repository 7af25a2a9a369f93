import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { ListResponse } from '@switchyard/api-kit';
import type { FastifyReply } from 'fastify';
import type { ApplicationOut } from './application.mapper.js';
import { ApplicationsService } from './applications.service.js';
import { ApplicationCreateQueryDto, ApplicationInDto, ApplicationListQueryDto, ApplicationPatchDto } from './dto/application.dto.js';

/** Svix `application.*`: `/api/v1/app`. */
@Controller('api/v1/app')
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Get()
  list(@Query() query: ApplicationListQueryDto): Promise<ListResponse<ApplicationOut>> {
    return this.applications.list(query);
  }

  /** create (201), or getOrCreate with `get_if_exists=true` (200 when it already existed). */
  @Post()
  async create(@Query() query: ApplicationCreateQueryDto, @Body() body: ApplicationInDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<ApplicationOut> {
    const { value, created } = await this.applications.create(body, query.get_if_exists === true);
    void reply.status(created ? 201 : 200);
    return value;
  }

  @Get(':app_id')
  get(@Param('app_id') appId: string): Promise<ApplicationOut> {
    return this.applications.get(appId);
  }

  /** Svix's update is an upsert: 201 when it created the application. */
  @Put(':app_id')
  async update(@Param('app_id') appId: string, @Body() body: ApplicationInDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<ApplicationOut> {
    const { value, created } = await this.applications.update(appId, body);
    void reply.status(created ? 201 : 200);
    return value;
  }

  @Patch(':app_id')
  patch(@Param('app_id') appId: string, @Body() body: ApplicationPatchDto): Promise<ApplicationOut> {
    return this.applications.patch(appId, body);
  }

  @Delete(':app_id')
  @HttpCode(204)
  async remove(@Param('app_id') appId: string): Promise<void> {
    await this.applications.remove(appId);
  }
}
