import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { EndpointEntity } from '@switchyard/db';
import { BackgroundTaskStartedOut } from '../background-tasks/background-task.mapper.js';
import { EXAMPLE, METADATA_SCHEMA } from '../common/api-docs.js';

/** Svix `EndpointOut`, as sent on the wire. Secrets and headers are never part of it. */
export class EndpointOut {
  @ApiProperty({ type: String, description: "The endpoint's id", example: EXAMPLE.endpointId })
  id: string;

  @ApiProperty({ type: String, nullable: true, description: 'Your own unique identifier, usable wherever the id is', example: 'unique-ep-identifier' })
  uid: string | null;

  @ApiProperty({ type: String, format: 'uri', example: 'https://example.com/webhook/' })
  url: string;

  @ApiProperty({ type: String, example: 'An example endpoint name' })
  description: string;

  @ApiProperty({ type: 'integer', deprecated: true, example: 1 })
  version: number;

  @ApiProperty({ type: 'integer', nullable: true, deprecated: true, description: 'Same as throttleRate', example: 10 })
  rateLimit: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: "Messages per second to this endpoint (null: the application's limit, if any)", example: 10 })
  throttleRate: number | null;

  @ApiProperty({ type: Boolean, description: 'A disabled endpoint gets no deliveries' })
  disabled: boolean;

  @ApiProperty({ type: [String], nullable: true, description: 'Event types this endpoint receives (null: all); `prefix.*` matches a prefix', example: ['user.signup', 'invoice.*'] })
  filterTypes: string[] | null;

  /** Svix's server returns the filter under both names; SDK 2.x reads this one. */
  @ApiProperty({ type: [String], nullable: true, description: 'The same list as filterTypes, under the name Svix SDK 2.x reads', example: ['user.signup', 'invoice.*'] })
  eventTypes: string[] | null;

  @ApiProperty({ type: [String], nullable: true, description: 'Channels this endpoint listens to (null: all)', example: ['project_123'] })
  channels: string[] | null;

  @ApiProperty(METADATA_SCHEMA)
  metadata: Record<string, string>;

  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.time })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.time })
  updatedAt: string;
}

/** Maps an endpoint row to Svix's `EndpointOut`. */
export function toEndpointOut(endpoint: EndpointEntity): EndpointOut {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    version: endpoint.version,
    rateLimit: endpoint.rateLimit,
    throttleRate: endpoint.rateLimit,
    disabled: endpoint.disabled,
    filterTypes: endpoint.filterTypes,
    eventTypes: endpoint.filterTypes,
    channels: endpoint.channels,
    metadata: endpoint.metadata ?? {},
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

/** Our extension of EndpointStats: the endpoint's circuit and adaptive concurrency. */
@ApiSchema({ name: 'EndpointCircuit' })
export class EndpointCircuitOut {
  @ApiProperty({ enum: ['closed', 'open', 'half-open'], description: 'open: attempts are recorded as not sent (circuit_open) until a probe succeeds; half-open: one probe is out' })
  state: 'closed' | 'open' | 'half-open';

  @ApiProperty({ type: 'integer', description: 'Attempts in flight to this endpoint now, over every dispatcher', example: 3 })
  inFlight: number;

  @ApiProperty({ type: 'number', description: 'The adaptive limit of attempts in flight (up to ENDPOINT_MAX_IN_FLIGHT)', example: 10 })
  concurrencyLimit: number;

  @ApiProperty({ type: 'integer', description: 'Consecutive attempts without a usable answer', example: 0 })
  consecutiveFailures: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When an open circuit lets its next probe through' })
  nextProbeAt: string | null;
}

/** Svix `EndpointStats`: deliveries of the endpoint in a window, by status. */
@ApiSchema({ name: 'EndpointStats' })
export class EndpointStatsOut {
  @ApiProperty({ type: 'integer', example: 120 })
  success: number;

  @ApiProperty({ type: 'integer', example: 3 })
  pending: number;

  @ApiProperty({ type: 'integer', example: 1 })
  fail: number;

  @ApiProperty({ type: 'integer', example: 0 })
  sending: number;

  @ApiProperty({ type: 'integer', example: 0 })
  canceled: number;

  @ApiPropertyOptional({ type: () => EndpointCircuitOut, description: "Our extension: the endpoint's delivery limits as the engine holds them now" })
  circuit?: EndpointCircuitOut;
}

/** Svix `RecoverOut`: the background task a recover started. */
@ApiSchema({ name: 'RecoverOut' })
export class RecoverOut extends BackgroundTaskStartedOut {}

/** Svix `ReplayOut`: the background task a replay-missing started. */
@ApiSchema({ name: 'ReplayOut' })
export class ReplayOut extends BackgroundTaskStartedOut {}

/** Svix `EndpointSecretOut`. */
export class EndpointSecretOut {
  @ApiProperty({ type: String, description: 'The current signing secret: `whsec_` and base64', example: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' })
  key: string;
}

/** Svix `EndpointHeadersOut`: the custom headers; sensitive ones are named but not shown. */
export class EndpointHeadersOut {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { 'X-Example': '123' } })
  headers: Record<string, string>;

  @ApiProperty({ type: [String], description: 'Headers that are set but whose values are withheld', example: ['Authorization'] })
  sensitive: string[];
}
