import { Injectable } from '@nestjs/common';
import { DeliveryStatus, TriggerType } from '@switchyard/db';
import { Counter, Histogram, Registry } from 'prom-client';

/** The status class label of an attempt: 2xx … 5xx, or `none` when no response came back. */
export function statusClass(statusCode: number): string {
  return statusCode >= 100 && statusCode < 600 ? `${Math.floor(statusCode / 100)}xx` : 'none';
}

/** Prometheus series for deliveries: attempts by outcome, their duration, and deliveries finished. */
@Injectable()
export class DeliveryMetrics {
  private readonly attempts: Counter<'outcome' | 'status_class' | 'trigger'>;
  private readonly duration: Histogram<'outcome'>;
  private readonly finished: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.attempts = new Counter({
      name: 'switchyard_delivery_attempts_total',
      help: 'Delivery attempts by outcome (success, failure), response status class and trigger (scheduled, manual)',
      labelNames: ['outcome', 'status_class', 'trigger'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'switchyard_delivery_attempt_duration_seconds',
      help: 'Time from sending an attempt to its response (or its failure)',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.finished = new Counter({
      name: 'switchyard_deliveries_total',
      help: 'Deliveries that reached a final state: success, or fail once the schedule is spent (or the endpoint is gone)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  /** Counts one recorded attempt and, when it ended the delivery, the delivery. */
  attempt(success: boolean, statusCode: number, durationMs: number, trigger: TriggerType, deliveryStatus: DeliveryStatus): void {
    const outcome = success ? 'success' : 'failure';
    this.attempts.inc({ outcome, status_class: statusClass(statusCode), trigger: trigger === TriggerType.Manual ? 'manual' : 'scheduled' });
    this.duration.observe({ outcome }, durationMs / 1000);
    if (deliveryStatus === DeliveryStatus.Success) this.finished.inc({ outcome: 'success' });
    else if (deliveryStatus === DeliveryStatus.Fail) this.finished.inc({ outcome: 'fail' });
  }
}
