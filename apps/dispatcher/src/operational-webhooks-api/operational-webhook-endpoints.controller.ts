import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import {
  OperationalWebhookEndpointHeadersInDto,
  OperationalWebhookEndpointInDto,
  OperationalWebhookEndpointSecretInDto,
  OperationalWebhookEndpointUpdateDto,
} from './dto/operational-webhook-endpoint.dto.js';
import type { OperationalWebhookEndpointOut } from './operational-webhook-endpoint.mapper.js';
import { OperationalWebhookEndpointsService } from './operational-webhook-endpoints.service.js';

/** Svix `operationalWebhookEndpoint.*`: `/api/v1/operational-webhook/endpoint`. */
@Controller('api/v1/operational-webhook/endpoint')
export class OperationalWebhookEndpointsController {
  constructor(private readonly endpoints: OperationalWebhookEndpointsService) {}

  @Get()
  list(@Query() query: ListQueryDto): Promise<ListResponse<OperationalWebhookEndpointOut>> {
    return this.endpoints.list(query);
  }

  @Post()
  @HttpCode(201)
  create(@Body() body: OperationalWebhookEndpointInDto): Promise<OperationalWebhookEndpointOut> {
    return this.endpoints.create(body);
  }

  @Get(':endpoint_id')
  get(@Param('endpoint_id') endpointId: string): Promise<OperationalWebhookEndpointOut> {
    return this.endpoints.get(endpointId);
  }

  @Put(':endpoint_id')
  update(@Param('endpoint_id') endpointId: string, @Body() body: OperationalWebhookEndpointUpdateDto): Promise<OperationalWebhookEndpointOut> {
    return this.endpoints.update(endpointId, body);
  }

  @Delete(':endpoint_id')
  @HttpCode(204)
  async remove(@Param('endpoint_id') endpointId: string): Promise<void> {
    await this.endpoints.remove(endpointId);
  }

  @Get(':endpoint_id/secret')
  getSecret(@Param('endpoint_id') endpointId: string): Promise<{ key: string }> {
    return this.endpoints.getSecret(endpointId);
  }

  @Post(':endpoint_id/secret/rotate')
  @HttpCode(204)
  async rotateSecret(@Param('endpoint_id') endpointId: string, @Body() body: OperationalWebhookEndpointSecretInDto): Promise<void> {
    await this.endpoints.rotateSecret(endpointId, body);
  }

  @Get(':endpoint_id/headers')
  getHeaders(@Param('endpoint_id') endpointId: string): Promise<{ headers: Record<string, string>; sensitive: string[] }> {
    return this.endpoints.getHeaders(endpointId);
  }

  @Put(':endpoint_id/headers')
  @HttpCode(204)
  async updateHeaders(@Param('endpoint_id') endpointId: string, @Body() body: OperationalWebhookEndpointHeadersInDto): Promise<void> {
    await this.endpoints.updateHeaders(endpointId, body);
  }
}
