import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ListQueryDto, ListResponseOf, type ListResponse } from '@switchyard/api-kit';
import type { FastifyReply } from 'fastify';
import { ApiAppIdParam, ApiEndpointIdParam } from '../common/api-docs.js';
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
  ReplayInDto,
} from './dto/endpoint.dto.js';
import { EndpointHeadersOut, EndpointOut, EndpointSecretOut, EndpointStatsOut, RecoverOut, ReplayOut } from './endpoint.mapper.js';
import { MessageOut } from '../messages/message.mapper.js';
import { EndpointsService } from './endpoints.service.js';

/** Svix `endpoint.*`: `/api/v1/app/{app_id}/endpoint`. */
@Controller('api/v1/app/:app_id/endpoint')
@ApiTags('Endpoint')
@ApiAppIdParam()
@ApiErrors(401, 403, 404, 422)
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.endpoint.list', summary: 'List Endpoints', description: 'Newest first unless `order=ascending`.' })
  @ApiOkResponse({ type: ListResponseOf(EndpointOut) })
  list(@Param('app_id') appId: string, @Query() query: ListQueryDto): Promise<ListResponse<EndpointOut>> {
    return this.endpoints.list(appId, query);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'v1.endpoint.create', summary: 'Create Endpoint', description: 'Every filterTypes entry that is not a prefix (`x.*`) must name an event type that exists.' })
  @ApiCreatedResponse({ type: EndpointOut })
  @ApiErrors(400, 409)
  create(@Param('app_id') appId: string, @Body() body: EndpointInDto): Promise<EndpointOut> {
    return this.endpoints.create(appId, body);
  }

  @Get(':endpoint_id')
  @ApiOperation({ operationId: 'v1.endpoint.get', summary: 'Get Endpoint' })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: EndpointOut })
  get(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<EndpointOut> {
    return this.endpoints.get(appId, endpointId);
  }

  /** Svix's update is an upsert: 201 when it created the endpoint. */
  @Put(':endpoint_id')
  @ApiOperation({
    operationId: 'v1.endpoint.update',
    summary: 'Update Endpoint',
    description: 'Replaces every field; creates the endpoint (201) when the path names none, keeping a uid path as its uid.',
  })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: EndpointOut, description: 'Updated' })
  @ApiCreatedResponse({ type: EndpointOut, description: 'Created' })
  @ApiErrors(400, 409)
  async update(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EndpointUpdateDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<EndpointOut> {
    const { value, created } = await this.endpoints.update(appId, endpointId, body);
    void reply.status(created ? 201 : 200);
    return value;
  }

  @Patch(':endpoint_id')
  @ApiOperation({ operationId: 'v1.endpoint.patch', summary: 'Patch Endpoint', description: 'Only the fields present change; null clears a nullable one.' })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: EndpointOut })
  @ApiErrors(400, 409)
  patch(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EndpointPatchDto): Promise<EndpointOut> {
    return this.endpoints.patch(appId, endpointId, body);
  }

  @Delete(':endpoint_id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.endpoint.delete', summary: 'Delete Endpoint' })
  @ApiEndpointIdParam()
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<void> {
    await this.endpoints.remove(appId, endpointId);
  }

  @Get(':endpoint_id/secret')
  @ApiOperation({ operationId: 'v1.endpoint.get-secret', summary: 'Get Endpoint Secret', description: 'The secret deliveries are signed with now.' })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: EndpointSecretOut })
  getSecret(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<EndpointSecretOut> {
    return this.endpoints.getSecret(appId, endpointId);
  }

  @Post(':endpoint_id/secret/rotate')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'v1.endpoint.rotate-secret',
    summary: 'Rotate Endpoint Secret',
    description: 'Deliveries are signed with both secrets for the grace period (default 24 hours), then with the new one only.',
  })
  @ApiEndpointIdParam()
  @ApiNoContentResponse({ description: 'Rotated' })
  @ApiErrors(400)
  async rotateSecret(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EndpointSecretRotateInDto): Promise<void> {
    await this.endpoints.rotateSecret(appId, endpointId, body);
  }

  @Get(':endpoint_id/headers')
  @ApiOperation({ operationId: 'v1.endpoint.get-headers', summary: 'Get Endpoint Headers' })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: EndpointHeadersOut })
  getHeaders(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<EndpointHeadersOut> {
    return this.endpoints.getHeaders(appId, endpointId);
  }

  @Put(':endpoint_id/headers')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.endpoint.update-headers', summary: 'Update Endpoint Headers', description: 'Replaces every custom header.' })
  @ApiEndpointIdParam()
  @ApiNoContentResponse({ description: 'Updated' })
  @ApiErrors(400)
  async updateHeaders(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EndpointHeadersInDto): Promise<void> {
    await this.endpoints.updateHeaders(appId, endpointId, body);
  }

  @Patch(':endpoint_id/headers')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.endpoint.patch-headers', summary: 'Patch Endpoint Headers', description: 'Sets the headers given, deletes the ones named in deleteHeaders or given null.' })
  @ApiEndpointIdParam()
  @ApiNoContentResponse({ description: 'Updated' })
  @ApiErrors(400)
  async patchHeaders(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EndpointHeadersPatchInDto): Promise<void> {
    await this.endpoints.patchHeaders(appId, endpointId, body);
  }

  @Get(':endpoint_id/stats')
  @ApiOperation({ operationId: 'v1.endpoint.get-stats', summary: 'Endpoint Stats', description: "Counts the endpoint's deliveries by status in a window of at most 28 days." })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: EndpointStatsOut })
  @ApiErrors(400)
  stats(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Query() query: EndpointStatsQueryDto): Promise<EndpointStatsOut> {
    return this.endpoints.stats(appId, endpointId, query);
  }

  /** 202: the failed deliveries are queued again. */
  @Post(':endpoint_id/recover')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'v1.endpoint.recover',
    summary: 'Recover Failed Webhooks',
    description: 'Queues every failed delivery to the endpoint since `since` (at most 14 days ago) again.',
  })
  @ApiEndpointIdParam()
  @ApiAcceptedResponse({ type: RecoverOut })
  @ApiErrors(400)
  recover(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: RecoverInDto): Promise<RecoverOut> {
    return this.endpoints.recover(appId, endpointId, body);
  }

  /** 202 with the task, finished: the missing deliveries are queued before this answers. */
  @Post(':endpoint_id/replay-missing')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'v1.endpoint.replay-missing',
    summary: 'Replay Missing Webhooks',
    description:
      'Sends the endpoint every message of the application created since `since` (until `until`) that routes to it and that it never had a delivery for, one manual attempt each. Messages it already got (or failed) are not resent; expunged messages are skipped. The task (`endpoint.replay`) has `data.messagesSent`.',
  })
  @ApiEndpointIdParam()
  @ApiAcceptedResponse({ type: ReplayOut })
  replayMissing(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: ReplayInDto): Promise<ReplayOut> {
    return this.endpoints.replayMissing(appId, endpointId, body);
  }

  @Post(':endpoint_id/send-example')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'v1.endpoint.send-example',
    summary: 'Send Event Type Example Message',
    description: "Publishes the event type's example payload to this endpoint only.",
  })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: MessageOut })
  @ApiErrors(400)
  sendExample(@Param('app_id') appId: string, @Param('endpoint_id') endpointId: string, @Body() body: EventExampleInDto): Promise<MessageOut> {
    return this.endpoints.sendExample(appId, endpointId, body);
  }
}
