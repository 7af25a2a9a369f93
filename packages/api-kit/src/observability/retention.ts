import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { RetentionSweeper, type RetentionTask } from '@switchyard/db';
import type { RetentionSweepSettings } from '@switchyard/platform';
import { Counter, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/** What an app's retention sweep removes, and how. */
export interface RetentionOptions {
  /** Advisory lock (two-key form): one replica of this app sweeps at a time. */
  readonly lockKeys: readonly [number, number];
  readonly sweep: RetentionSweepSettings;
  readonly tasks: readonly RetentionTask[];
}

/** Starts the sweeper once the app is up, and stops it (after its batch in progress) before the app closes. */
@Injectable()
class RetentionLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(RetentionSweeper) private readonly sweeper: RetentionSweeper) {}

  onApplicationBootstrap(): void {
    this.sweeper.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
  }
}

/**
 * The retention sweep of an app (README "Retention"): its tasks run every
 * RETENTION_SWEEP_INTERVAL in one replica at a time, and what each removed is counted in
 * `switchyard_retention_removed_rows_total{table}`. Exports the RetentionSweeper (tests and an
 * operator may run a pass with `sweep()`).
 */
@Module({})
export class RetentionModule {
  static forRoot(options: RetentionOptions): DynamicModule {
    return {
      module: RetentionModule,
      providers: [
        {
          provide: RetentionSweeper,
          inject: [getDataSourceToken(), Registry],
          useFactory: (dataSource: DataSource, registry: Registry) => {
            const logger = new Logger('Retention');
            const removed = new Counter({
              name: 'switchyard_retention_removed_rows_total',
              help: 'Rows the retention sweep removed, by table (message_payloads counts payloads emptied; deleted_applications counts rows of deleted applications)',
              labelNames: ['table'],
              registers: [registry],
            });
            for (const task of options.tasks) removed.inc({ table: task.name }, 0);
            return new RetentionSweeper(dataSource, {
              lockKeys: options.lockKeys,
              intervalMs: options.sweep.intervalMs,
              batchSize: options.sweep.batchSize,
              maxBatchesPerPass: options.sweep.maxBatchesPerPass,
              tasks: options.tasks,
              onRemoved: (table, rows) => removed.inc({ table }, rows),
              onError: (error) => logger.error(`retention sweep failed: ${error.message}`),
              onWarning: (message) => logger.warn(message),
            });
          },
        },
        RetentionLifecycle,
      ],
      exports: [RetentionSweeper],
    };
  }
}
