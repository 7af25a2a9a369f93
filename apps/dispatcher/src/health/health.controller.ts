import { Controller, Get, HttpCode } from '@nestjs/common';

/** Liveness: the process is up and serving HTTP. */
@Controller('api/v1/health')
export class HealthController {
  @Get()
  @HttpCode(204)
  live(): void {}
}
