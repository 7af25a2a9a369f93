import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ListQueryDto, ListResponseOf, type ListResponse } from '@switchyard/api-kit';
import { ApiEndpointIdParam } from '../common/api-docs.js';
import {
  OperationalWebhookEndpointHeadersInDto,
  OperationalWebhookEndpointInDto,
  OperationalWebhookEndpointSecretInDto,
  OperationalWebhookEndpointUpdateDto,
} from './dto/operational-webhook-endpoint.dto.js';
import { OperationalWebhookEndpointHeadersOut, OperationalWebhookEndpointOut, OperationalWebhookEndpointSecretOut } from './operational-webhook-endpoint.mapper.js';
import { OperationalWebhookEndpointsService } from './operational-webhook-endpoints.service.js';

/** Svix `operationalWebhookEndpoint.*`: `/api/v1/operational-webhook/endpoint`. */
@Controller('api/v1/operational-webhook/endpoint')
@ApiTags('Operational Webhook Endpoint')
@ApiErrors(401, 403, 422)
export class OperationalWebhookEndpointsController {
  constructor(private readonly endpoints: OperationalWebhookEndpointsService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.operational-webhook.endpoint.list', summary: 'List Operational Webhook Endpoints', description: 'Newest first unless `order=ascending`.' })
  @ApiOkResponse({ type: ListResponseOf(OperationalWebhookEndpointOut) })
  list(@Query() query: ListQueryDto): Promise<ListResponse<OperationalWebhookEndpointOut>> {
    return this.endpoints.list(query);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'v1.operational-webhook.endpoint.create',
    summary: 'Create Operational Webhook Endpoint',
    description: 'Receives endpoint.disabled and message.attempt.* events about your own endpoints.',
  })
  @ApiCreatedResponse({ type: OperationalWebhookEndpointOut })
  @ApiErrors(400, 409)
  create(@Body() body: OperationalWebhookEndpointInDto): Promise<OperationalWebhookEndpointOut> {
    return this.endpoints.create(body);
  }

  @Get(':endpoint_id')
  @ApiOperation({ operationId: 'v1.operational-webhook.endpoint.get', summary: 'Get Operational Webhook Endpoint' })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: OperationalWebhookEndpointOut })
  @ApiErrors(404)
  get(@Param('endpoint_id') endpointId: string): Promise<OperationalWebhookEndpointOut> {
    return this.endpoints.get(endpointId);
  }

  @Put(':endpoint_id')
  @ApiOperation({ operationId: 'v1.operational-webhook.endpoint.update', summary: 'Update Operational Webhook Endpoint', description: 'Replaces every field.' })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: OperationalWebhookEndpointOut })
  @ApiErrors(400, 404, 409)
  update(@Param('endpoint_id') endpointId: string, @Body() body: OperationalWebhookEndpointUpdateDto): Promise<OperationalWebhookEndpointOut> {
    return this.endpoints.update(endpointId, body);
  }

  @Delete(':endpoint_id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.operational-webhook.endpoint.delete', summary: 'Delete Operational Webhook Endpoint' })
  @ApiEndpointIdParam()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(404)
  async remove(@Param('endpoint_id') endpointId: string): Promise<void> {
    await this.endpoints.remove(endpointId);
  }

  @Get(':endpoint_id/secret')
  @ApiOperation({ operationId: 'v1.operational-webhook.endpoint.get-secret', summary: 'Get Operational Webhook Endpoint Secret' })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: OperationalWebhookEndpointSecretOut })
  @ApiErrors(404)
  getSecret(@Param('endpoint_id') endpointId: string): Promise<OperationalWebhookEndpointSecretOut> {
    return this.endpoints.getSecret(endpointId);
  }

  @Post(':endpoint_id/secret/rotate')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'v1.operational-webhook.endpoint.rotate-secret',
    summary: 'Rotate Operational Webhook Endpoint Secret',
    description: 'The old secret keeps signing alongside the new one for 24 hours.',
  })
  @ApiEndpointIdParam()
  @ApiNoContentResponse({ description: 'Rotated' })
  @ApiErrors(400, 404)
  async rotateSecret(@Param('endpoint_id') endpointId: string, @Body() body: OperationalWebhookEndpointSecretInDto): Promise<void> {
    await this.endpoints.rotateSecret(endpointId, body);
  }

  @Get(':endpoint_id/headers')
  @ApiOperation({ operationId: 'v1.operational-webhook.endpoint.get-headers', summary: 'Get Operational Webhook Endpoint Headers' })
  @ApiEndpointIdParam()
  @ApiOkResponse({ type: OperationalWebhookEndpointHeadersOut })
  @ApiErrors(404)
  getHeaders(@Param('endpoint_id') endpointId: string): Promise<OperationalWebhookEndpointHeadersOut> {
    return this.endpoints.getHeaders(endpointId);
  }

  @Put(':endpoint_id/headers')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.operational-webhook.endpoint.update-headers', summary: 'Update Operational Webhook Endpoint Headers', description: 'Replaces every custom header.' })
  @ApiEndpointIdParam()
  @ApiNoContentResponse({ description: 'Updated' })
  @ApiErrors(400, 404)
  async updateHeaders(@Param('endpoint_id') endpointId: string, @Body() body: OperationalWebhookEndpointHeadersInDto): Promise<void> {
    await this.endpoints.updateHeaders(endpointId, body);
  }
}
