import { Module } from '@nestjs/common';
import { ApplicationsController } from './applications/applications.controller.js';
import { ApplicationsService } from './applications/applications.service.js';
import { EndpointsController } from './endpoints/endpoints.controller.js';
import { EndpointsService } from './endpoints/endpoints.service.js';
import { EventTypesController } from './event-types/event-types.controller.js';
import { EventTypesService } from './event-types/event-types.service.js';

/** The Svix-compatible HTTP API (CONTRACT §3). */
@Module({
  controllers: [ApplicationsController, EventTypesController, EndpointsController],
  providers: [ApplicationsService, EventTypesService, EndpointsService],
})
export class ApiModule {}
