import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ENDPOINT_DOCS, EndpointCommonFieldsDto, HEADER_LIMITS, MAX_SECRET_LENGTH, MAX_URL_LENGTH } from '../../endpoints/dto/endpoint.dto.js';
import { HasNoControlCharacters, IsStringRecord } from '../../common/validators.js';

/** Svix `OperationalWebhookEndpointUpdate`: PUT, which replaces the endpoint. */
@ApiSchema({ name: 'OperationalWebhookEndpointUpdate' })
export class OperationalWebhookEndpointUpdateDto extends EndpointCommonFieldsDto {
  @ApiProperty(ENDPOINT_DOCS.url)
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @HasNoControlCharacters()
  url: string;
}

/** Svix `OperationalWebhookEndpointIn`: create. */
@ApiSchema({ name: 'OperationalWebhookEndpointIn' })
export class OperationalWebhookEndpointInDto extends OperationalWebhookEndpointUpdateDto {
  /** `whsec_` + base64 (the prefix is optional on input); generated when absent. */
  @ApiPropertyOptional(ENDPOINT_DOCS.secret)
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  secret?: string | null;
}

/** Svix `OperationalWebhookEndpointSecretIn`: rotate (the old key keeps signing for 24 hours). */
@ApiSchema({ name: 'OperationalWebhookEndpointSecretIn' })
export class OperationalWebhookEndpointSecretInDto {
  @ApiPropertyOptional({ ...ENDPOINT_DOCS.secret, description: 'The new secret, `whsec_` and base64 (the prefix is optional); generated when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SECRET_LENGTH)
  key?: string | null;
}

/** Svix `OperationalWebhookEndpointHeadersIn`: replaces every custom header. */
@ApiSchema({ name: 'OperationalWebhookEndpointHeadersIn' })
export class OperationalWebhookEndpointHeadersInDto {
  @ApiProperty({ ...ENDPOINT_DOCS.headers, description: 'Every custom header of the endpoint (the ones not named are removed)' })
  @IsStringRecord(HEADER_LIMITS)
  headers: Record<string, string>;
}
