import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ApiIdParam } from '@switchyard/api-kit';
import { InboundOutcome } from '@switchyard/db';
import { SOURCE_TYPES } from './source-types.js';

/*
 * What the Ingest API answers, as schema classes for the OpenAPI document. The controllers build
 * plain objects typed by these classes; nothing instantiates them.
 */

export const ApiSourceIdParam = () => ApiIdParam('sourceId', "The source's id (`src_…`) or uid", 'unique-source-identifier');
export const ApiIngestEndpointIdParam = () => ApiIdParam('endpointId', "The endpoint's id (`ep_…`) or uid", 'unique-ep-identifier');
export const ApiRequestIdParam = () => ApiIdParam('requestId', "The request's id (`req_…`)", 'req_01KQ8ZQ0V5T1J8C2N7X4W6B9MD');

const TIME = { type: String, format: 'date-time', example: '2026-01-15T09:30:00.000Z' } as const;
const METADATA = { type: 'object', additionalProperties: { type: 'string' }, example: { team: 'billing' } } as const;

/** Svix `IngestSourceOut`. `config` never shows secrets (Svix's *ConfigOut carry none). */
export class IngestSourceOut {
  @ApiProperty({ type: String, example: 'src_01KQ8ZQ7M2E5R9D1W3C6V8X0TA' })
  id: string;

  @ApiProperty({ type: String, nullable: true, description: 'Your own unique identifier, usable wherever the id is', example: 'unique-source-identifier' })
  uid: string | null;

  @ApiProperty({ type: String, example: 'GitHub (acme org)' })
  name: string;

  @ApiProperty({ type: String, enum: [...SOURCE_TYPES], description: 'The provider whose signatures the ingest URL verifies' })
  type: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: "The source's config without its secrets", example: {} })
  config: Record<string, unknown>;

  @ApiProperty({ type: String, format: 'uri', description: 'Where the provider sends its webhooks (PUBLIC_URL/in/<token>)', example: 'https://hooks.example.com/in/pQ3x…' })
  ingestUrl: string;

  @ApiProperty(METADATA)
  metadata: Record<string, string>;

  @ApiProperty(TIME)
  createdAt: string;

  @ApiProperty(TIME)
  updatedAt: string;
}

/** Svix `RotateTokenOut`. */
export class RotateTokenOut {
  @ApiProperty({ type: String, format: 'uri', description: 'The new ingest URL; the old one answers 404 from now on', example: 'https://hooks.example.com/in/Zr8k…' })
  ingestUrl: string;
}

/** Svix `IngestEndpointOut`. */
export class IngestEndpointOut {
  @ApiProperty({ type: String, example: 'ep_01KQ8ZKD4YB2TS8W5JH0Q4M3CE' })
  id: string;

  @ApiProperty({ type: String, nullable: true, description: 'Your own unique identifier, usable wherever the id is', example: 'unique-ep-identifier' })
  uid: string | null;

  @ApiProperty({ type: String, format: 'uri', example: 'https://example.com/webhook/' })
  url: string;

  @ApiProperty({ type: String, example: 'Billing service' })
  description: string;

  @ApiProperty({ type: Boolean, description: 'A disabled endpoint gets no deliveries' })
  disabled: boolean;

  @ApiProperty({ type: 'integer', nullable: true, deprecated: true, description: 'Same as throttleRate', example: 10 })
  rateLimit: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Messages per second to this endpoint', example: 10 })
  throttleRate: number | null;

  @ApiProperty(METADATA)
  metadata: Record<string, string>;

  @ApiProperty(TIME)
  createdAt: string;

  @ApiProperty(TIME)
  updatedAt: string;
}

/** Svix `IngestEndpointSecretOut`. */
export class IngestEndpointSecretOut {
  @ApiProperty({ type: String, description: 'The secret deliveries to the endpoint are signed with: `whsec_` and base64', example: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' })
  key: string;
}

/** Svix `IngestEndpointHeadersOut`: the custom headers; sensitive ones are named but not shown. */
export class IngestEndpointHeadersOut {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { 'X-Example': '123' } })
  headers: Record<string, string>;

  @ApiProperty({ type: [String], description: 'Headers that are set but whose values are withheld', example: ['Authorization'] })
  sensitive: string[];
}

/** One request to a source's ingest URL (our extension to Svix Ingest). */
@ApiSchema({ name: 'IngestRequestOut', description: "One request to the source's ingest URL, accepted or not" })
export class IngestRequestOut {
  @ApiProperty({ type: String, example: 'req_01KQ8ZQ0V5T1J8C2N7X4W6B9MD' })
  id: string;

  @ApiProperty(TIME)
  receivedAt: string;

  @ApiProperty({ type: String, example: 'POST' })
  method: string;

  @ApiProperty({ type: String, description: 'Path and query as received, the token shortened and credentials redacted', example: '/in/pQ3x…' })
  url: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    description: 'The request headers (repeated ones as arrays); credentials redacted',
    example: { 'content-type': 'application/json', 'x-github-event': 'push' },
  })
  headers: Record<string, string | string[]>;

  @ApiProperty({ type: 'integer', description: 'Bytes of body received: the whole body, also when only its start is kept', example: 7421 })
  bodySize: number;

  @ApiProperty({
    type: Boolean,
    description: 'True when the log keeps only the start of the body: a request not accepted keeps its first REJECTED_BODY_BYTES (64 KiB by default)',
    example: false,
  })
  bodyTruncated: boolean;

  @ApiProperty({ enum: InboundOutcome, enumName: 'IngestRequestOutcome' })
  outcome: InboundOutcome;

  @ApiProperty({ type: String, nullable: true, description: 'Why it was not accepted (e.g. bad_signature, stale_timestamp, unparseable)', example: null })
  reason: string | null;

  @ApiProperty({ type: 'integer', description: 'The status the provider was answered', example: 200 })
  responseStatus: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The provider's own id of the event, as it came (some providers do not sign it; see docs/providers-signing.md)",
    example: 'f3b1c2d0-8a7e-11ee-9c5a-0242ac120002',
  })
  providerEventId: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'What duplicates were judged by: an id the provider signs, or sha256:<hex> of the signed content (accepted and duplicate requests)',
    example: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  })
  dedupKey: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The CloudEvent id, when accepted', example: 'evt_01KQ8ZQ2A4F7H1K3M5P7R9T1VB' })
  eventId: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The message the event was published as, when accepted', example: 'msg_01KQ8ZM5W1Q4N1R6V5D4ZK9T2F' })
  messageId: string | null;
}

/** One request with its body. */
@ApiSchema({ name: 'IngestRequestDetailOut' })
export class IngestRequestDetailOut extends IngestRequestOut {
  @ApiProperty({ type: String, format: 'byte', description: 'The body exactly as received, base64-encoded; only its first bytes when bodyTruncated' })
  bodyBase64: string;
}
