import { ApiPropertyOptional } from '@nestjs/swagger';
import { ListQueryDto } from '@switchyard/api-kit';
import { IsBoolean, IsDate, IsOptional } from 'class-validator';
import { ToBoolean, ToDate } from './validators.js';

/** `limit`, `iterator`, `order` plus Svix's `before` / `after` time bounds. */
export class TimeBoundListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Only items created before this time', example: '2026-01-15T09:30:00Z' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'before must be an ISO-8601 date-time' })
  before?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Only items created after this time', example: '2026-01-14T09:30:00Z' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'after must be an ISO-8601 date-time' })
  after?: Date;
}

/** `with_content`, which most Svix reads take and which defaults to true. */
export class WithContentQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: true, description: 'Include the payload (false: `payload` is `{}`)' })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  with_content?: boolean;
}
