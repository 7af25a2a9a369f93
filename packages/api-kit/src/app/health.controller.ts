import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth.guard.js';

/** Liveness, the same in both apps: the process is up and serving HTTP (readiness is on the admin listener). */
@Public()
@Controller('api/v1/health')
@ApiTags('Health')
export class HealthController {
  @Get()
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.health.get', summary: 'Health', description: 'Liveness: 204 while the process serves HTTP. No token needed.', security: [] })
  @ApiNoContentResponse({ description: 'Alive' })
  live(): void {}
}
