import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@switchyard/db';
import { QueueName } from '@switchyard/events';
import { GATEWAY_SETTINGS, type GatewaySettings } from './config/gateway-settings.js';
import { HealthController } from './health/health.controller.js';

/** The gateway, wired from one validated settings object. */
@Module({})
export class AppModule {
  static forRoot(settings: GatewaySettings): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions({ url: settings.databaseUrl, applicationName: 'switchyard-gateway' }) }),
        BullModule.forRoot({ redis: settings.redisUrl, prefix: settings.queuePrefix }),
        BullModule.registerQueue({ name: QueueName.FanOut }),
      ],
      controllers: [HealthController],
      providers: [{ provide: GATEWAY_SETTINGS, useValue: settings }],
      exports: [GATEWAY_SETTINGS],
    };
  }
}
