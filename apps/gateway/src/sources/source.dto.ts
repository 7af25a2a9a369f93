import { ApiProperty, ApiPropertyOptional, ApiSchema, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsObject, IsOptional, IsString, Matches, MaxLength, Min, MinLength, ValidateBy, type ValidationOptions } from 'class-validator';
import { UID_PATTERN } from '@switchyard/api-kit';
import { SOURCE_TYPES } from './source-types.js';

const MAX_METADATA_ENTRIES = 50;

/** OpenAPI descriptions of the fields the Ingest bodies share. */
const DOCS = {
  uid: {
    type: String,
    nullable: true,
    minLength: 1,
    maxLength: 256,
    pattern: UID_PATTERN.source,
    description: 'Your own unique identifier, usable wherever the id is',
    example: 'unique-identifier',
  },
  metadata: {
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 4096 },
    maxProperties: MAX_METADATA_ENTRIES,
    description: 'Free-form string pairs, kept with the object',
    example: { team: 'billing' },
  },
  url: { type: String, format: 'uri', minLength: 1, maxLength: 2048, description: 'Where events from the source are delivered', example: 'https://example.com/webhook/' },
  description: { type: String, maxLength: 4096, default: '', example: 'Billing service' },
  disabled: { type: Boolean, default: false, description: 'A disabled endpoint gets no deliveries' },
  rateLimit: { type: 'integer', nullable: true, minimum: 1, deprecated: true, description: 'Same as throttleRate, which wins when both are given', example: 10 },
  throttleRate: { type: 'integer', nullable: true, minimum: 1, description: 'Messages per second to this endpoint', example: 10 },
  secret: {
    type: String,
    nullable: true,
    maxLength: 100,
    description: 'The signing secret, `whsec_` and base64 (the prefix is optional); generated when absent',
    example: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
  },
} satisfies Record<string, ApiPropertyOptions>;

/** A flat `{string: string}` object of bounded size, as Svix's metadata. */
export function IsStringRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= MAX_METADATA_ENTRIES &&
          Object.entries(value).every(([k, v]) => k.length <= 256 && typeof v === 'string' && v.length <= 4096),
        defaultMessage: () => `$property must be an object of at most ${MAX_METADATA_ENTRIES} string values`,
      },
    },
    options,
  );
}

/** IngestSourceIn. `config` is checked by the provider's own parser (it differs per type). */
@ApiSchema({ name: 'IngestSourceIn' })
export class IngestSourceInDto {
  @ApiProperty({ type: String, minLength: 1, maxLength: 256, example: 'GitHub (acme org)' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name: string;

  @ApiPropertyOptional(DOCS.uid)
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Matches(UID_PATTERN, { message: 'uid may contain only letters, digits, -, _ and .' })
  uid?: string | null;

  @ApiProperty({ type: String, enum: [...SOURCE_TYPES], description: 'The provider whose signatures the ingest URL verifies', example: 'github' })
  @IsString()
  @MaxLength(64)
  type: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'The provider\'s settings, checked by the type\'s own parser (a bad one is a 422 naming the field): most types take `{"secret": "…"}`, the signing secret the provider shows you; some take other fields (`publicKey`, `toleranceSeconds`, …). Secret fields are never shown back.',
    example: { secret: 'my-github-webhook-secret' },
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown> | null;

  @ApiPropertyOptional(DOCS.metadata)
  @IsOptional()
  @IsStringRecord()
  metadata?: Record<string, string>;
}

/** IngestEndpointIn. */
@ApiSchema({ name: 'IngestEndpointIn' })
export class IngestEndpointInDto {
  @ApiProperty(DOCS.url)
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional(DOCS.description)
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @ApiPropertyOptional(DOCS.disabled)
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional(DOCS.metadata)
  @IsOptional()
  @IsStringRecord()
  metadata?: Record<string, string>;

  @ApiPropertyOptional(DOCS.rateLimit)
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  rateLimit?: number | null;

  @ApiPropertyOptional(DOCS.throttleRate)
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  throttleRate?: number | null;

  @ApiPropertyOptional(DOCS.secret)
  @IsOptional()
  @IsString()
  @MaxLength(100)
  secret?: string | null;

  @ApiPropertyOptional(DOCS.uid)
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Matches(UID_PATTERN, { message: 'uid may contain only letters, digits, -, _ and .' })
  uid?: string | null;
}

/** IngestEndpointUpdate: IngestEndpointIn without the secret. */
@ApiSchema({ name: 'IngestEndpointUpdate' })
export class IngestEndpointUpdateDto {
  @ApiProperty(DOCS.url)
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional(DOCS.description)
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @ApiPropertyOptional(DOCS.disabled)
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional(DOCS.metadata)
  @IsOptional()
  @IsStringRecord()
  metadata?: Record<string, string>;

  @ApiPropertyOptional(DOCS.rateLimit)
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  rateLimit?: number | null;

  @ApiPropertyOptional(DOCS.throttleRate)
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  throttleRate?: number | null;

  @ApiPropertyOptional(DOCS.uid)
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Matches(UID_PATTERN, { message: 'uid may contain only letters, digits, -, _ and .' })
  uid?: string | null;
}

/** IngestEndpointSecretIn. */
@ApiSchema({ name: 'IngestEndpointSecretIn' })
export class IngestEndpointSecretInDto {
  @ApiPropertyOptional({ ...DOCS.secret, description: 'The new secret, `whsec_` and base64 (the prefix is optional); generated when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  key?: string | null;
}

/** IngestEndpointHeadersIn. */
@ApiSchema({ name: 'IngestEndpointHeadersIn' })
export class IngestEndpointHeadersInDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Every custom header of the endpoint (the ones not named are removed)',
    example: { 'X-Example': '123' },
  })
  @IsObject()
  headers: Record<string, string>;
}
