import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ListQueryDto } from '@switchyard/api-kit';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { METADATA_SCHEMA } from '../../common/api-docs.js';
import { HasNoControlCharacters, IsAbsentOr, IsStringRecord, IsUid, ToBoolean, UID_PATTERN } from '../../common/validators.js';

/** Bounds of `metadata` maps (applications and endpoints). */
export const METADATA_LIMITS = { maxEntries: 50, maxKeyLength: 256, maxValueLength: 4096 } as const;
/** Svix rate limits are u16. */
export const MAX_RATE_LIMIT = 65_535;

/** The OpenAPI description of an application's `name`. */
const NAME_DOC = { type: String, minLength: 1, maxLength: 256, description: 'A name for people (no control characters)', example: 'My first application' } as const;
/** The OpenAPI description of an application's `uid`. */
const UID_DOC = {
  type: String,
  nullable: true,
  pattern: UID_PATTERN.source,
  description: 'Your own unique identifier, usable wherever the id is (it must not look like an id, `app_…`)',
  example: 'unique-app-identifier',
} as const;
/** The OpenAPI description of `throttleRate` and its deprecated alias `rateLimit`. */
const THROTTLE_DOC = {
  type: 'integer',
  nullable: true,
  minimum: 1,
  maximum: MAX_RATE_LIMIT,
  description: 'Messages per second to each endpoint of the application that has no limit of its own',
  example: 100,
} as const;
const RATE_LIMIT_DOC = { ...THROTTLE_DOC, deprecated: true, description: 'Same as throttleRate, which wins when both are given' } as const;
const APP_METADATA_DOC = { ...METADATA_SCHEMA, maxProperties: METADATA_LIMITS.maxEntries } as const;

/** Svix `ApplicationIn`: the body of create, getOrCreate and update (PUT). */
@ApiSchema({ name: 'ApplicationIn' })
export class ApplicationInDto {
  @ApiProperty(NAME_DOC)
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @HasNoControlCharacters()
  name: string;

  @ApiPropertyOptional(UID_DOC)
  @IsOptional()
  @IsString()
  @IsUid('app')
  uid?: string | null;

  /** Deprecated in Svix in favour of `throttleRate`; both set the same limit. */
  @ApiPropertyOptional(RATE_LIMIT_DOC)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  rateLimit?: number | null;

  @ApiPropertyOptional(THROTTLE_DOC)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  throttleRate?: number | null;

  @ApiPropertyOptional(APP_METADATA_DOC)
  @IsAbsentOr()
  @IsStringRecord(METADATA_LIMITS)
  metadata?: Record<string, string>;
}

/** Svix `ApplicationPatch`: only the fields present change; null clears a nullable one. */
@ApiSchema({ name: 'ApplicationPatch' })
export class ApplicationPatchDto {
  @ApiPropertyOptional(NAME_DOC)
  @IsAbsentOr()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @HasNoControlCharacters()
  name?: string;

  @ApiPropertyOptional(UID_DOC)
  @IsOptional()
  @IsString()
  @IsUid('app')
  uid?: string | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  rateLimit?: number | null;

  @ApiPropertyOptional(THROTTLE_DOC)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  throttleRate?: number | null;

  @ApiPropertyOptional(APP_METADATA_DOC)
  @IsAbsentOr()
  @IsStringRecord(METADATA_LIMITS)
  metadata?: Record<string, string>;
}

/** Query of `POST /api/v1/app`: `get_if_exists=true` is the SDK's getOrCreate. */
export class ApplicationCreateQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Answer the existing application with this uid (200) instead of a 409' })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  get_if_exists?: boolean;
}

/** Query of `GET /api/v1/app`. */
export class ApplicationListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Leave out applications without endpoints' })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  exclude_apps_with_no_endpoints?: boolean;

  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Leave out applications with a disabled endpoint' })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  exclude_apps_with_disabled_endpoints?: boolean;

  /** Svix Play is Svix's hosted test receiver; endpoints pointing at it are skipped when asked. */
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Leave out applications with an endpoint on Svix Play (https://play.svix.com/)' })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  exclude_apps_with_svix_play_endpoints?: boolean;
}
