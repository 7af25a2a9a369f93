import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsObject, IsOptional, IsString, Matches, MaxLength, Min, MinLength, ValidateBy, type ValidationOptions } from 'class-validator';

/** Svix's rule for uids. */
export const UID_PATTERN = /^[a-zA-Z0-9\-_.]+$/;
const MAX_METADATA_ENTRIES = 50;

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
export class IngestSourceInDto {
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Matches(UID_PATTERN, { message: 'uid may contain only letters, digits, -, _ and .' })
  uid?: string | null;

  @IsString()
  @MaxLength(64)
  type: string;

  @IsOptional()
  @IsObject()
  config?: Record<string, unknown> | null;

  @IsOptional()
  @IsStringRecord()
  metadata?: Record<string, string>;
}

/** IngestEndpointIn. */
export class IngestEndpointInDto {
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsStringRecord()
  metadata?: Record<string, string>;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  rateLimit?: number | null;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  throttleRate?: number | null;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  secret?: string | null;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Matches(UID_PATTERN, { message: 'uid may contain only letters, digits, -, _ and .' })
  uid?: string | null;
}

/** IngestEndpointUpdate: IngestEndpointIn without the secret. */
export class IngestEndpointUpdateDto {
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsStringRecord()
  metadata?: Record<string, string>;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  rateLimit?: number | null;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  throttleRate?: number | null;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Matches(UID_PATTERN, { message: 'uid may contain only letters, digits, -, _ and .' })
  uid?: string | null;
}

/** IngestEndpointSecretIn. */
export class IngestEndpointSecretInDto {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  key?: string | null;
}

/** IngestEndpointHeadersIn. */
export class IngestEndpointHeadersInDto {
  @IsObject()
  headers: Record<string, string>;
}
