import { Inject, Injectable } from '@nestjs/common';
import { ApiError, EndpointStore, headersView, unprocessable, type EndpointFields, type ListResponse, type PageRequest } from '@switchyard/api-kit';
import { DeliveryStatus, type ApplicationEntity, type EndpointEntity, type EventTypeEntity } from '@switchyard/db';
import { idAtTime, isId } from '@switchyard/events';
import type { EndpointScheduler } from '@switchyard/scheduler';
import type { Upserted } from '../common/upserted.js';
import { ApplicationsService } from '../applications/applications.service.js';
import { DeliveryCommands } from '../../engine/commands/delivery-commands.js';
import { ENDPOINT_SCHEDULER } from '../../engine/common/engine.tokens.js';
import { EventTypesService } from '../event-types/event-types.service.js';
import type { MessageOut } from '../messages/message.mapper.js';
import { MessagesService } from '../messages/messages.service.js';
import type {
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
import { typeFilterOf } from './dto/endpoint.dto.js';
import { EndpointsRepository } from './endpoints.repository.js';
import { toEndpointOut, type EndpointCircuitOut, type EndpointOut, type EndpointStatsOut, type RecoverOut, type ReplayOut } from './endpoint.mapper.js';
import { BackgroundTasksService } from '../background-tasks/background-tasks.service.js';
import { toBackgroundTaskStartedOut } from '../background-tasks/background-task.mapper.js';

const DAY_MS = 24 * 3600 * 1000;
/** Longest stats window (Svix: 28 days, plus five minutes of clock slack). */
const MAX_STATS_WINDOW_MS = 28 * DAY_MS + 5 * 60 * 1000;
const CLOCK_SLACK_MS = 5 * 60 * 1000;
/** How far back `recover` reaches (Svix: 14 days, plus five minutes of clock slack). */
const MAX_RECOVER_AGE_MS = 14 * DAY_MS + 5 * 60 * 1000;

/** Svix's built-in test event, which needs no event type. */
const PING_EVENT_TYPE = 'svix.ping';
const PING_PAYLOAD = '{"success":true}';

/**
 * The example send-example sends: from the event type's newest schema version, its
 * `examples[exampleIndex]` (default the first), or its single `example`.
 */
export function exampleOf(eventType: EventTypeEntity, exampleIndex: number | undefined): string {
  const schemas = eventType.schemas ?? {};
  const versions = Object.keys(schemas).sort((a, b) => Number(b) - Number(a) || b.localeCompare(a));
  const schema = versions.length ? (schemas[versions[0]!] as { examples?: unknown; example?: unknown } | null) : null;
  let example: unknown;
  if (schema && Array.isArray(schema.examples) && schema.examples.length > 0) {
    const index = exampleIndex ?? 0;
    if (index >= schema.examples.length) throw unprocessable(['body', 'exampleIndex'], `the schema has ${schema.examples.length} examples`);
    example = schema.examples[index];
  } else if (schema && schema.example !== undefined) {
    example = schema.example;
  }
  if (typeof example !== 'object' || example === null || Array.isArray(example)) {
    throw new ApiError(400, 'invalid_scheme', 'Unable to generate example message from event-type schema');
  }
  return JSON.stringify(example);
}

/** The routing and display fields of a create or a PUT, with Svix's defaults for what is absent. */
function fullFields(dto: EndpointUpdateDto, uid: string | null): EndpointFields {
  return {
    url: dto.url,
    uid,
    description: dto.description ?? '',
    disabled: dto.disabled ?? false,
    rateLimit: dto.throttleRate ?? dto.rateLimit ?? null,
    filterTypes: typeFilterOf(dto) ?? null,
    channels: dto.channels ?? null,
    metadata: dto.metadata ?? {},
    version: dto.version ?? 1,
  };
}

/** Svix endpoints of an application: CRUD, secrets, headers and statistics. */
@Injectable()
export class EndpointsService {
  constructor(
    private readonly repository: EndpointsRepository,
    private readonly applications: ApplicationsService,
    private readonly eventTypes: EventTypesService,
    private readonly store: EndpointStore,
    private readonly messages: MessagesService,
    private readonly commands: DeliveryCommands,
    @Inject(ENDPOINT_SCHEDULER) private readonly scheduler: EndpointScheduler,
    private readonly tasks: BackgroundTasksService,
  ) {}

  /** The application's endpoint with this id or uid, or a 404 (for the app or the endpoint). */
  async find(appIdOrUid: string, endpointIdOrUid: string): Promise<{ app: ApplicationEntity; endpoint: EndpointEntity }> {
    const app = await this.applications.findApp(appIdOrUid);
    return { app, endpoint: await this.store.find(app.id, endpointIdOrUid) };
  }

  async list(appIdOrUid: string, page: PageRequest): Promise<ListResponse<EndpointOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    return this.store.list(app.id, page, toEndpointOut);
  }

  async create(appIdOrUid: string, dto: EndpointInDto): Promise<EndpointOut> {
    const app = await this.applications.findApp(appIdOrUid);
    return toEndpointOut(await this.createIn(app, dto, dto.uid ?? null));
  }

  async get(appIdOrUid: string, endpointIdOrUid: string): Promise<EndpointOut> {
    return toEndpointOut((await this.find(appIdOrUid, endpointIdOrUid)).endpoint);
  }

  /**
   * Svix's PUT: replaces every field of the endpoint, or creates it when the path names none.
   * An endpoint addressed by a uid path keeps that uid unless the body gives another.
   */
  async update(appIdOrUid: string, endpointIdOrUid: string, dto: EndpointUpdateDto): Promise<Upserted<EndpointOut>> {
    const app = await this.applications.findApp(appIdOrUid);
    const uid = dto.uid !== undefined ? dto.uid : isId('ep', endpointIdOrUid) ? null : endpointIdOrUid;
    const endpoint = await this.store.find(app.id, endpointIdOrUid).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    });
    if (!endpoint) return { value: toEndpointOut(await this.createIn(app, dto, uid)), created: true };
    await this.eventTypes.assertFilterTypesExist(typeFilterOf(dto));
    return { value: toEndpointOut(await this.store.update(endpoint, fullFields(dto, uid))), created: false };
  }

  async patch(appIdOrUid: string, endpointIdOrUid: string, dto: EndpointPatchDto): Promise<EndpointOut> {
    const { endpoint } = await this.find(appIdOrUid, endpointIdOrUid);
    const filterTypes = typeFilterOf(dto);
    await this.eventTypes.assertFilterTypesExist(filterTypes);
    const { throttleRate, rateLimit, secret, eventTypes: _sameAsFilterTypes, ...rest } = dto;
    const changes: Partial<EndpointFields> & { secret?: string | null } = { ...rest };
    if (filterTypes !== undefined) changes.filterTypes = filterTypes;
    if (throttleRate !== undefined) changes.rateLimit = throttleRate;
    else if (rateLimit !== undefined) changes.rateLimit = rateLimit;
    if (secret) changes.secret = secret;
    return toEndpointOut(await this.store.update(endpoint, changes));
  }

  /** Deletes the endpoint with its secrets, deliveries and attempts. */
  async remove(appIdOrUid: string, endpointIdOrUid: string): Promise<void> {
    await this.store.remove((await this.find(appIdOrUid, endpointIdOrUid)).endpoint);
  }

  async getSecret(appIdOrUid: string, endpointIdOrUid: string): Promise<{ key: string }> {
    const { endpoint } = await this.find(appIdOrUid, endpointIdOrUid);
    return { key: await this.store.currentSecret(endpoint.id) };
  }

  /** New signing secret; the old one keeps signing beside it for the grace period (default 24 h). */
  async rotateSecret(appIdOrUid: string, endpointIdOrUid: string, dto: EndpointSecretRotateInDto): Promise<void> {
    const { endpoint } = await this.find(appIdOrUid, endpointIdOrUid);
    await this.store.rotateSecret(endpoint.id, { key: dto.key ?? null, gracePeriodSeconds: dto.gracePeriodSeconds });
  }

  async getHeaders(appIdOrUid: string, endpointIdOrUid: string): Promise<{ headers: Record<string, string>; sensitive: string[] }> {
    return headersView((await this.find(appIdOrUid, endpointIdOrUid)).endpoint.headers);
  }

  async updateHeaders(appIdOrUid: string, endpointIdOrUid: string, dto: EndpointHeadersInDto): Promise<void> {
    await this.store.replaceHeaders((await this.find(appIdOrUid, endpointIdOrUid)).endpoint, dto.headers);
  }

  async patchHeaders(appIdOrUid: string, endpointIdOrUid: string, dto: EndpointHeadersPatchInDto): Promise<void> {
    const { endpoint } = await this.find(appIdOrUid, endpointIdOrUid);
    const set: Record<string, string> = {};
    const remove = [...(dto.deleteHeaders ?? [])];
    for (const [name, value] of Object.entries(dto.headers)) {
      if (value === null) remove.push(name);
      else set[name] = value;
    }
    await this.store.patchHeaders(endpoint, set, remove);
  }

  /** Deliveries to the endpoint created in the window, by status (Svix: at most 28 days, ending no later than now). */
  async stats(appIdOrUid: string, endpointIdOrUid: string, query: EndpointStatsQueryDto): Promise<EndpointStatsOut> {
    const now = Date.now();
    const until = query.until ?? new Date(now);
    if (until.getTime() > now + CLOCK_SLACK_MS) throw new ApiError(400, 'invalid_range', "'until' cannot be in the future");
    const since = query.since ?? new Date(until.getTime() - 28 * DAY_MS);
    if (since.getTime() > until.getTime()) throw new ApiError(400, 'invalid_range', "'since' must not be after 'until'");
    if (until.getTime() - since.getTime() > MAX_STATS_WINDOW_MS) throw new ApiError(400, 'invalid_range', `'since' cannot be more than 28 days before ${until.toISOString()}`);
    const { endpoint } = await this.find(appIdOrUid, endpointIdOrUid);
    const rows = await this.repository.deliveryCountsByStatus(endpoint.id, idAtTime('mdst', since), idAtTime('mdst', new Date(until.getTime() + 1)));
    const count = (status: DeliveryStatus) => rows.find((r) => r.status === status)?.n ?? 0;
    return {
      success: count(DeliveryStatus.Success),
      pending: count(DeliveryStatus.Pending),
      fail: count(DeliveryStatus.Fail),
      sending: count(DeliveryStatus.Sending),
      canceled: count(DeliveryStatus.Canceled),
      ...(await this.circuit(endpoint.id)),
    };
  }

  /** The endpoint's limits as the engine holds them (left out when Redis cannot say: the counts above still answer). */
  private async circuit(endpointId: string): Promise<{ circuit?: EndpointCircuitOut }> {
    try {
      const [state] = await this.scheduler.inspect([endpointId]);
      if (!state) return {};
      return {
        circuit: {
          state: state.circuit,
          inFlight: state.inFlight,
          concurrencyLimit: Math.round(state.limit * 100) / 100,
          consecutiveFailures: state.consecutiveFailures,
          nextProbeAt: state.circuit === 'open' ? new Date(Date.now() + state.openForMs).toISOString() : null,
        },
      };
    } catch {
      return {};
    }
  }

  /**
   * Re-sends every message that failed for good at this endpoint since `since` (until `until`,
   * default now): one Manual attempt each, paced by the endpoint's limits (Svix recover).
   */
  async recover(appIdOrUid: string, endpointIdOrUid: string, dto: RecoverInDto): Promise<RecoverOut> {
    const now = Date.now();
    if (dto.since.getTime() < now - MAX_RECOVER_AGE_MS) throw unprocessable(['body', 'since'], 'Cannot recover messages more than 14 days old.');
    if (dto.until && dto.until.getTime() <= dto.since.getTime()) throw unprocessable(['body', 'until'], 'until must be after since');
    const { app, endpoint } = await this.find(appIdOrUid, endpointIdOrUid);
    // The deliveries are queued when this returns: the task's own part is finished.
    const task = await this.tasks.run('endpoint.recover', app.id, async () => ({ messagesSent: await this.commands.recover(endpoint.id, dto.since, dto.until ?? undefined) }));
    return toBackgroundTaskStartedOut(task);
  }

  /**
   * Sends the endpoint every message of its application created since `since` (until `until`,
   * default now) that routes to it and that it never had a delivery for (Svix replay-missing):
   * one Manual attempt each, paced by the endpoint's limits. Expunged messages are skipped.
   */
  async replayMissing(appIdOrUid: string, endpointIdOrUid: string, dto: ReplayInDto): Promise<ReplayOut> {
    if (dto.until && dto.until.getTime() <= dto.since.getTime()) throw unprocessable(['body', 'until'], 'until must be after since');
    const { app, endpoint } = await this.find(appIdOrUid, endpointIdOrUid);
    const task = await this.tasks.run('endpoint.replay', app.id, async () => ({ messagesSent: await this.commands.replayMissing(endpoint.id, dto.since, dto.until ?? undefined) }));
    return toBackgroundTaskStartedOut(task);
  }

  /** Sends the event type's example (or Svix's `svix.ping`) to this endpoint only, as a new message. */
  async sendExample(appIdOrUid: string, endpointIdOrUid: string, dto: EventExampleInDto): Promise<MessageOut> {
    const { app, endpoint } = await this.find(appIdOrUid, endpointIdOrUid);
    const payload = dto.eventType === PING_EVENT_TYPE ? PING_PAYLOAD : exampleOf(await this.eventTypes.find(dto.eventType), dto.exampleIndex);
    return this.messages.createForEndpoint(app, endpoint.id, dto.eventType, payload);
  }

  private async createIn(app: ApplicationEntity, dto: EndpointUpdateDto & Partial<Pick<EndpointInDto, 'secret' | 'headers'>>, uid: string | null): Promise<EndpointEntity> {
    await this.eventTypes.assertFilterTypesExist(typeFilterOf(dto));
    return this.store.create(app.id, {
      ...fullFields(dto, uid),
      secret: dto.secret ?? null,
      headers: dto.headers ?? null,
    });
  }
}
