import { ListQueryDto } from '@switchyard/api-kit';
import { IsBoolean, IsDate, IsOptional } from 'class-validator';
import { ToBoolean, ToDate } from './validators.js';

/** `limit`, `iterator`, `order` plus Svix's `before` / `after` time bounds. */
export class TimeBoundListQueryDto extends ListQueryDto {
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'before must be an ISO-8601 date-time' })
  before?: Date;

  @IsOptional()
  @ToDate()
  @IsDate({ message: 'after must be an ISO-8601 date-time' })
  after?: Date;
}

/** `with_content`, which most Svix reads take and which defaults to true. */
export class WithContentQueryDto {
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  with_content?: boolean;
}
