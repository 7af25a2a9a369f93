import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKitModule } from '@switchyard/api-kit';
import { dataSourceOptions } from '@switchyard/db';
import { QueueName } from '@switchyard/events';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from './config/dispatcher-settings.js';
import { ApiModule } from './api.module.js';
import { EngineModule } from './engine.module.js';
import { HealthController } from './health/health.controller.js';

/** The dispatcher, wired from one validated settings object. */
@Module({})
export class AppModule {
  static forRoot(settings: DispatcherSettings): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions({ url: settings.databaseUrl, applicationName: 'switchyard-dispatcher' }) }),
        BullModule.forRoot({ redis: settings.redisUrl, prefix: settings.queuePrefix }),
        BullModule.registerQueue({ name: QueueName.FanOut }, { name: QueueName.Delivery }),
        ApiKitModule.forRoot({ adminApiKey: settings.adminApiKey, secretEncryptionKey: settings.secretEncryptionKey }),
        EngineModule,
        ApiModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: DISPATCHER_SETTINGS, useValue: settings }],
      exports: [DISPATCHER_SETTINGS, BullModule],
    };
  }
}
