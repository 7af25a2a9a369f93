import { IsOptional, IsString, MaxLength } from 'class-validator';
import { EndpointCommonFieldsDto, HEADER_LIMITS, MAX_SECRET_LENGTH, MAX_URL_LENGTH } from '../../endpoints/dto/endpoint.dto.js';
import { HasNoControlCharacters, IsStringRecord } from '../../api-common/validators.js';

/** Svix `OperationalWebhookEndpointUpdate`: PUT, which replaces the endpoint. */
export class OperationalWebhookEndpointUpdateDto extends EndpointCommonFieldsDto {
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @HasNoControlCharacters()
  url: string;
}

/** Svix `OperationalWebhookEndpointIn`: create. */
export class OperationalWebhookEndpointInDto extends OperationalWebhookEndpointUpdateDto {
  /** `whsec_` + base64 (the prefix is optional on input); generated when absent. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  secret?: string | null;
}

/** Svix `OperationalWebhookEndpointSecretIn`: rotate (the old key keeps signing for 24 hours). */
export class OperationalWebhookEndpointSecretInDto {
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  key?: string | null;
}

/** Svix `OperationalWebhookEndpointHeadersIn`: replaces every custom header. */
export class OperationalWebhookEndpointHeadersInDto {
  @IsStringRecord(HEADER_LIMITS)
  headers: Record<string, string>;
}
