import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsEnum, IsInt, IsOptional, IsString, Matches, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { ApplicationInDto } from '../../applications/dto/application.dto.js';
import { AppPortalCapability } from '../app-portal-access.js';

/** Bounds of an app portal token's labels. */
export const APP_PORTAL_TOKEN_LIMITS = { maxFeatureFlags: 50, maxFeatureFlagLength: 256, maxSessionIdLength: 256, maxSessionIds: 100 } as const;
/** A feature flag or session id: printable, no spaces (it is compared, never interpreted). */
const LABEL = /^[\x21-\x7e]+$/;

/** Svix `AppPortalAccessIn`. */
@ApiSchema({ name: 'AppPortalAccessIn' })
export class AppPortalAccessInDto {
  @ApiPropertyOptional({
    type: () => ApplicationInDto,
    nullable: true,
    description: 'Creates the application when the path names a uid that none has yet (the path uid becomes its uid); ignored otherwise',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ApplicationInDto)
  application?: ApplicationInDto | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    description: 'Seconds the token is valid for: default 7 days, at most PORTAL_TOKEN_MAX_EXPIRY (7 days unless configured)',
    example: 604800,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  expiry?: number | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, deprecated: true, description: 'No writes at all; without `capabilities` the token gets ViewBase only' })
  @IsOptional()
  @IsBoolean()
  readOnly?: boolean | null;

  @ApiPropertyOptional({
    enum: AppPortalCapability,
    enumName: 'AppPortalCapability',
    isArray: true,
    nullable: true,
    description: 'What the token may do; ViewBase is always granted. Default: every capability (ViewBase only when readOnly)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(Object.keys(AppPortalCapability).length * 2)
  @IsEnum(AppPortalCapability, { each: true })
  capabilities?: AppPortalCapability[] | null;

  @ApiPropertyOptional({ type: [String], description: 'Feature flags the portal may show; kept with the token and answered by the portal session', example: ['beta-ui'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(APP_PORTAL_TOKEN_LIMITS.maxFeatureFlags)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(APP_PORTAL_TOKEN_LIMITS.maxFeatureFlagLength, { each: true })
  @Matches(LABEL, { each: true, message: 'each featureFlags entry must be printable ASCII without spaces' })
  featureFlags?: string[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: APP_PORTAL_TOKEN_LIMITS.maxSessionIdLength,
    description: 'A label of your own; expire-all can end only the tokens of given sessions',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(APP_PORTAL_TOKEN_LIMITS.maxSessionIdLength)
  @Matches(LABEL, { message: 'sessionId must be printable ASCII without spaces' })
  sessionId?: string | null;
}

/** Svix `ApplicationTokenExpireIn`. */
@ApiSchema({ name: 'ApplicationTokenExpireIn' })
export class ApplicationTokenExpireInDto {
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0, description: 'Seconds the tokens keep working (a grace); absent or 0: at once. At most PORTAL_TOKEN_MAX_EXPIRY', example: 60 })
  @IsOptional()
  @IsInt()
  @Min(0)
  expiry?: number | null;

  @ApiPropertyOptional({ type: [String], description: 'Only the tokens issued with one of these sessionIds' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(APP_PORTAL_TOKEN_LIMITS.maxSessionIds)
  @IsString({ each: true })
  @MaxLength(APP_PORTAL_TOKEN_LIMITS.maxSessionIdLength, { each: true })
  sessionIds?: string[];
}

/** Svix `AppPortalAccessOut` (and `DashboardAccessOut`). */
@ApiSchema({ name: 'AppPortalAccessOut' })
export class AppPortalAccessOut {
  @ApiProperty({ type: String, format: 'uri', description: 'PORTAL_URL with the token in the fragment: `…#key=<token>`', example: 'https://hooks.example.com/portal#key=sy_portal_…' })
  url: string;

  @ApiProperty({ type: String, description: 'A bearer token for this application only (`sy_portal_…`); shown once, stored only hashed', example: 'sy_portal_…' })
  token: string;
}

/** What the portal needs to know about its own token (Switchyard's extension: `GET /api/v1/auth/portal-session`). */
@ApiSchema({ name: 'PortalSessionOut' })
export class PortalSessionOut {
  @ApiProperty({ type: String, example: 'app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW' })
  appId: string;

  @ApiProperty({ type: String, nullable: true })
  appUid: string | null;

  @ApiProperty({ type: String })
  appName: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: "The application's metadata (a portal may take its brand colour or logo from it)" })
  metadata: Record<string, string>;

  @ApiProperty({ enum: AppPortalCapability, enumName: 'AppPortalCapability', isArray: true })
  capabilities: string[];

  @ApiProperty({ type: Boolean })
  readOnly: boolean;

  @ApiProperty({ type: [String] })
  featureFlags: string[];

  @ApiProperty({ type: String, nullable: true })
  sessionId: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt: string;
}
