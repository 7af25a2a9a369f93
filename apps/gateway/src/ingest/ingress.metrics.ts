import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';

/** Prometheus series for the ingress: requests by source type, outcome and reason, and how long they took. */
@Injectable()
export class IngressMetrics {
  readonly requests: Counter<'source_type' | 'outcome' | 'reason'>;
  readonly duration: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'switchyard_ingress_requests_total',
      help: 'Requests to ingest URLs by source type, outcome (accepted, duplicate, rejected, handshake) and reason',
      labelNames: ['source_type', 'outcome', 'reason'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'switchyard_ingress_request_duration_seconds',
      help: 'Time from a request reaching the ingress to its answer',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  /** Counts one finished request. */
  observe(sourceType: string, outcome: string, reason: string | null | undefined, seconds: number): void {
    this.requests.inc({ source_type: sourceType, outcome, reason: reason ?? '' });
    this.duration.observe({ outcome }, seconds);
  }
}
