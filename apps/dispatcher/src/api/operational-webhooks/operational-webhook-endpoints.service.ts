import { Injectable } from '@nestjs/common';
import { EndpointStore, headersView, type ListResponse, type PageRequest } from '@switchyard/api-kit';
import type { EndpointEntity } from '@switchyard/db';
import { OperationalWebhooks } from '../../engine/operational-webhooks/operational-webhooks.js';
import { typeFilterOf } from '../endpoints/dto/endpoint.dto.js';
import type {
  OperationalWebhookEndpointHeadersInDto,
  OperationalWebhookEndpointInDto,
  OperationalWebhookEndpointSecretInDto,
  OperationalWebhookEndpointUpdateDto,
} from './dto/operational-webhook-endpoint.dto.js';
import { toOperationalWebhookEndpointOut, type OperationalWebhookEndpointOut } from './operational-webhook-endpoint.mapper.js';

/**
 * Svix's operationalWebhookEndpoint API: the endpoints of the one internal application of kind
 * `operational`, to which the engine publishes endpoint.disabled and message.attempt.* events.
 */
@Injectable()
export class OperationalWebhookEndpointsService {
  constructor(
    private readonly operational: OperationalWebhooks,
    private readonly store: EndpointStore,
  ) {}

  async list(page: PageRequest): Promise<ListResponse<OperationalWebhookEndpointOut>> {
    return this.store.list(await this.operational.appId(), page, toOperationalWebhookEndpointOut);
  }

  async create(dto: OperationalWebhookEndpointInDto): Promise<OperationalWebhookEndpointOut> {
    const endpoint = await this.store.create(await this.operational.appId(), {
      url: dto.url,
      uid: dto.uid ?? null,
      description: dto.description ?? '',
      disabled: dto.disabled ?? false,
      rateLimit: dto.throttleRate ?? dto.rateLimit ?? null,
      filterTypes: typeFilterOf(dto) ?? null,
      metadata: dto.metadata ?? {},
      secret: dto.secret ?? null,
    });
    return toOperationalWebhookEndpointOut(endpoint);
  }

  async get(endpointIdOrUid: string): Promise<OperationalWebhookEndpointOut> {
    return toOperationalWebhookEndpointOut(await this.find(endpointIdOrUid));
  }

  /** Replaces every field of the endpoint (absent ones take their defaults). */
  async update(endpointIdOrUid: string, dto: OperationalWebhookEndpointUpdateDto): Promise<OperationalWebhookEndpointOut> {
    const endpoint = await this.find(endpointIdOrUid);
    const updated = await this.store.update(endpoint, {
      url: dto.url,
      uid: dto.uid ?? null,
      description: dto.description ?? '',
      disabled: dto.disabled ?? false,
      rateLimit: dto.throttleRate ?? dto.rateLimit ?? null,
      filterTypes: typeFilterOf(dto) ?? null,
      metadata: dto.metadata ?? {},
    });
    return toOperationalWebhookEndpointOut(updated);
  }

  async remove(endpointIdOrUid: string): Promise<void> {
    await this.store.remove(await this.find(endpointIdOrUid));
  }

  async getSecret(endpointIdOrUid: string): Promise<{ key: string }> {
    return { key: await this.store.currentSecret((await this.find(endpointIdOrUid)).id) };
  }

  async rotateSecret(endpointIdOrUid: string, dto: OperationalWebhookEndpointSecretInDto): Promise<void> {
    await this.store.rotateSecret((await this.find(endpointIdOrUid)).id, { key: dto.key ?? null });
  }

  async getHeaders(endpointIdOrUid: string): Promise<{ headers: Record<string, string>; sensitive: string[] }> {
    return headersView((await this.find(endpointIdOrUid)).headers);
  }

  async updateHeaders(endpointIdOrUid: string, dto: OperationalWebhookEndpointHeadersInDto): Promise<void> {
    await this.store.replaceHeaders(await this.find(endpointIdOrUid), dto.headers);
  }

  private async find(endpointIdOrUid: string): Promise<EndpointEntity> {
    return this.store.find(await this.operational.appId(), endpointIdOrUid);
  }
}
