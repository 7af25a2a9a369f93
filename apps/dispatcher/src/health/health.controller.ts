import { Controller, Get, HttpCode } from '@nestjs/common';
import { Public } from '@switchyard/api-kit';

/** Liveness: the process is up and serving HTTP. */
@Public()
@Controller('api/v1/health')
export class HealthController {
  @Get()
  @HttpCode(204)
  live(): void {}
}
