import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@switchyard/api-kit';

/** Liveness: the process is up and serving HTTP. */
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
