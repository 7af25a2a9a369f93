import { Inject, Injectable } from '@nestjs/common';
import type { WorkQueue } from '@switchyard/scheduler';
import { Gauge, Registry } from 'prom-client';
import { WORK_QUEUE } from '../common/engine.tokens.js';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Queue depth by state and the age of the oldest waiting job, per queue, read from Redis when
 * Prometheus scrapes (no polling in between).
 */
@Injectable()
export class QueueMetrics {
  constructor(registry: Registry, @Inject(WORK_QUEUE) work: WorkQueue) {
    const queues = [work.fanOutQueue, work.turns];
    new Gauge({
      name: 'switchyard_queue_jobs',
      help: 'Jobs in each Bull queue by state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        await Promise.all(
          queues.map(async (q) => {
            const counts = await q.getJobCounts();
            for (const state of STATES) this.set({ queue: q.name, state }, counts[state] ?? 0);
          }),
        );
      },
    });
    new Gauge({
      name: 'switchyard_queue_oldest_waiting_job_age_seconds',
      help: 'How long the oldest job ready to run has waited (0 when none waits)',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        this.reset();
        await Promise.all(
          queues.map(async (q) => {
            // Bull pushes new jobs on the left of the wait list: the oldest is the last one.
            const [oldest] = await q.getWaiting(-1, -1);
            const since = oldest ? Math.max(oldest.timestamp + ((oldest.opts.delay as number | undefined) ?? 0), oldest.timestamp) : undefined;
            this.set({ queue: q.name }, since === undefined ? 0 : Math.max(0, (Date.now() - since) / 1000));
          }),
        );
      },
    });
  }
}
