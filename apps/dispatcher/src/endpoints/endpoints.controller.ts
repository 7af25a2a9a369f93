import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import type { FastifyReply } from 'fastify';
import {
  EndpointHeadersInDto,
  EndpointHeadersPatchInDto,
  EndpointInDto,
  EndpointPatchDto,
  EndpointSecretRotateInDto,
  EndpointStatsQueryDto,
  EndpointUpdateDto,
  EventExampleInDto,
  RecoverInDto,
} from './dto/endpoint.dto.js';
import type { EndpointOut, EndpointStatsOut, RecoverOut } from './endpoint.mapper.js';
import type { MessageOut } from '../messages/message.mapper.js';
import { EndpointsService } from './endpoints.service.js';

/** Svix `endpoint.*`: `/api/v1/app/{app_id}/endpoint`. */
@Controller('api/v1/app/:app_id/endpoint')
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @Get()
  list(@Param('app_id') appId: string, @Query() query: ListQueryDto): Promise<ListResponse<EndpointOut>> {
    return this.endpoints.list(appId, query);
  }

  @Post()
  @HttpCode(201)
  create(@Param('app_id') appId: string, @Body() body: EndpointInDto): Promise<EndpointOut> {
    return this.endpoints.create(appId, body);
  }

  @Get(':endpoint_id')
  get(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<EndpointOut> {
    return this.endpoints.get(appId, endpointId);
  }

  /** Svix's update is an upsert: 201 when it created the endpoint. */
  @Put(':endpoint_id')
  async update(
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body() body: EndpointUpdateDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EndpointOut> {
    const { value, created } = await this.endpoints.update(appId, endpointId, body);
    void reply.status(created ? 201 : 200);
    return value;
  }

  @Patch(':endpoint_id')
  patch(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EndpointPatchDto): Promise<EndpointOut> {
    return this.endpoints.patch(appId, endpointId, body);
  }

  @Delete(':endpoint_id')
  @HttpCode(204)
  async remove(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<void> {
    await this.endpoints.remove(appId, endpointId);
  }

  @Get(':endpoint_id/secret')
  getSecret(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<{ key: string }> {
    return this.endpoints.getSecret(appId, endpointId);
  }

  @Post(':endpoint_id/secret/rotate')
  @HttpCode(204)
  async rotateSecret(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EndpointSecretRotateInDto): Promise<void> {
    await this.endpoints.rotateSecret(appId, endpointId, body);
  }

  @Get(':endpoint_id/headers')
  getHeaders(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<{ headers: Record<string, string>; sensitive: string[] }> {
    return this.endpoints.getHeaders(appId, endpointId);
  }

  @Put(':endpoint_id/headers')
  @HttpCode(204)
  async updateHeaders(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EndpointHeadersInDto): Promise<void> {
    await this.endpoints.updateHeaders(appId, endpointId, body);
  }

  @Patch(':endpoint_id/headers')
  @HttpCode(204)
  async patchHeaders(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EndpointHeadersPatchInDto): Promise<void> {
    await this.endpoints.patchHeaders(appId, endpointId, body);
  }

  @Get(':endpoint_id/stats')
  stats(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Query() query: EndpointStatsQueryDto): Promise<EndpointStatsOut> {
    return this.endpoints.stats(appId, endpointId, query);
  }

  /** 202: the failed deliveries are queued again. */
  @Post(':endpoint_id/recover')
  @HttpCode(202)
  recover(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: RecoverInDto): Promise<RecoverOut> {
    return this.endpoints.recover(appId, endpointId, body);
  }

  @Post(':endpoint_id/send-example')
  @HttpCode(200)
  sendExample(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EventExampleInDto): Promise<MessageOut> {
    return this.endpoints.sendExample(appId, endpointId, body);
  }
}
