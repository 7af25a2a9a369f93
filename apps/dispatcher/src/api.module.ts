import { Module } from '@nestjs/common';
import { ApplicationsController } from './applications/applications.controller.js';
import { ApplicationsService } from './applications/applications.service.js';

/** The Svix-compatible HTTP API (CONTRACT §3). */
@Module({
  controllers: [ApplicationsController],
  providers: [ApplicationsService],
})
export class ApiModule {}
