import { ListQueryDto } from '@switchyard/api-kit';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { HasNoControlCharacters, IsAbsentOr, IsStringRecord, IsUid, ToBoolean } from '../../api-common/validators.js';

/** Bounds of `metadata` maps (applications and endpoints). */
export const METADATA_LIMITS = { maxEntries: 50, maxKeyLength: 256, maxValueLength: 4096 } as const;
/** Svix rate limits are u16. */
export const MAX_RATE_LIMIT = 65_535;

/** Svix `ApplicationIn`: the body of create, getOrCreate and update (PUT). */
export class ApplicationInDto {
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @HasNoControlCharacters()
  name: string;

  @IsOptional()
  @IsString()
  @IsUid('app')
  uid?: string | null;

  /** Deprecated in Svix in favour of `throttleRate`; both set the same limit. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  rateLimit?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  throttleRate?: number | null;

  @IsAbsentOr()
  @IsStringRecord(METADATA_LIMITS)
  metadata?: Record<string, string>;
}

/** Svix `ApplicationPatch`: only the fields present change; null clears a nullable one. */
export class ApplicationPatchDto {
  @IsAbsentOr()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @HasNoControlCharacters()
  name?: string;

  @IsOptional()
  @IsString()
  @IsUid('app')
  uid?: string | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  rateLimit?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT)
  throttleRate?: number | null;

  @IsAbsentOr()
  @IsStringRecord(METADATA_LIMITS)
  metadata?: Record<string, string>;
}

/** Query of `POST /api/v1/app`: `get_if_exists=true` is the SDK's getOrCreate. */
export class ApplicationCreateQueryDto {
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  get_if_exists?: boolean;
}

/** Query of `GET /api/v1/app`. */
export class ApplicationListQueryDto extends ListQueryDto {
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  exclude_apps_with_no_endpoints?: boolean;

  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  exclude_apps_with_disabled_endpoints?: boolean;

  /** Svix Play is Svix's hosted test receiver; endpoints pointing at it are skipped when asked. */
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  exclude_apps_with_svix_play_endpoints?: boolean;
}
