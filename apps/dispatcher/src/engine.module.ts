import { Module } from '@nestjs/common';

/**
 * The delivery engine: queues, fan-out and delivery processors, the HTTP client with the
 * private-network guard, the reconciler and operational webhooks.
 */
@Module({})
export class EngineModule {}
