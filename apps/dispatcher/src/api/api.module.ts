import { Module } from '@nestjs/common';
import { AppPortalAccessController } from './auth/app-portal-access.controller.js';
import { AppPortalAccessService } from './auth/app-portal-access.service.js';
import { ApplicationsController } from './applications/applications.controller.js';
import { ApplicationsRepository } from './applications/applications.repository.js';
import { ApplicationsService } from './applications/applications.service.js';
import { AttemptsController } from './attempts/attempts.controller.js';
import { AttemptsRepository } from './attempts/attempts.repository.js';
import { AttemptsService } from './attempts/attempts.service.js';
import { BackgroundTasksController } from './background-tasks/background-tasks.controller.js';
import { BackgroundTasksRepository } from './background-tasks/background-tasks.repository.js';
import { BackgroundTasksService } from './background-tasks/background-tasks.service.js';
import { EndpointsController } from './endpoints/endpoints.controller.js';
import { EndpointsRepository } from './endpoints/endpoints.repository.js';
import { EndpointsService } from './endpoints/endpoints.service.js';
import { EngineModule } from '../engine/engine.module.js';
import { EventTypesController } from './event-types/event-types.controller.js';
import { EventTypesRepository } from './event-types/event-types.repository.js';
import { EventTypesService } from './event-types/event-types.service.js';
import { MessagesController } from './messages/messages.controller.js';
import { MessagesRepository } from './messages/messages.repository.js';
import { MessagesService } from './messages/messages.service.js';
import { OperationalWebhookEndpointsController } from './operational-webhooks/operational-webhook-endpoints.controller.js';
import { OperationalWebhookEndpointsService } from './operational-webhooks/operational-webhook-endpoints.service.js';

/** The Svix-compatible HTTP API (docs/api.md §3). It reaches the delivery engine only through what EngineModule exports: the Publisher, DeliveryCommands and the endpoint scheduler's read of an endpoint's state. */
@Module({
  imports: [EngineModule],
  controllers: [
    ApplicationsController,
    EventTypesController,
    EndpointsController,
    MessagesController,
    AttemptsController,
    OperationalWebhookEndpointsController,
    BackgroundTasksController,
    AppPortalAccessController,
  ],
  providers: [
    ApplicationsRepository,
    EventTypesRepository,
    EndpointsRepository,
    MessagesRepository,
    AttemptsRepository,
    BackgroundTasksRepository,
    ApplicationsService,
    EventTypesService,
    EndpointsService,
    MessagesService,
    AttemptsService,
    OperationalWebhookEndpointsService,
    BackgroundTasksService,
    AppPortalAccessService,
  ],
})
export class ApiModule {}
