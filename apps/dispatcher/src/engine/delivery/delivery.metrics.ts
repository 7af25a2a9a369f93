import { Injectable } from '@nestjs/common';
import { DeliveryStatus, TriggerType } from '@switchyard/db';
import type { CircuitState, EndpointHealth } from '@switchyard/scheduler';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The status class label of an attempt: 2xx … 5xx, or `none` when no response came back. */
export function statusClass(statusCode: number): string {
  return statusCode >= 100 && statusCode < 600 ? `${Math.floor(statusCode / 100)}xx` : 'none';
}

/** How a turn ended (label of switchyard_turns_total). */
export type TurnOutcome = 'sent' | 'circuit-open' | 'parked' | 'requeued' | 'stale' | 'failed';

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };
/** An endpoint not seen for this long leaves the per-endpoint series. */
const ENDPOINT_SERIES_IDLE_MS = 10 * 60_000;

/** Prometheus series of the delivery engine. */
@Injectable()
export class DeliveryMetrics {
  private readonly attempts: Counter<'outcome' | 'status_class' | 'trigger'>;
  private readonly duration: Histogram<'outcome'>;
  private readonly finished: Counter<'outcome'>;
  private readonly lag: Histogram;
  private readonly turns: Counter<'outcome'>;
  private readonly circuitOpened: Counter;
  private readonly disabled: Counter;
  private readonly endpoints = new Map<string, EndpointHealth & { seenAt: number }>();
  /** Reads the attempts in flight in this process (set by the engine). */
  inFlight: () => number = () => 0;

  constructor(
    registry: Registry,
    /** Most endpoints with series of their own (METRICS_ENDPOINT_SERIES): the most recently active. */
    private readonly maxEndpointSeries = 1000,
  ) {
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
    this.lag = new Histogram({
      name: 'switchyard_delivery_lag_seconds',
      help: 'From when an attempt was due (published, retry time, deliverAt) to when it was sent: queueing, pacing and limits together',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    this.turns = new Counter({
      name: 'switchyard_turns_total',
      help: 'Endpoint turns by outcome: sent (claimed and handed to senders), circuit-open, parked (a limit), requeued (this process was full), stale, failed',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.circuitOpened = new Counter({
      name: 'switchyard_endpoint_circuit_opened_total',
      help: 'Times this process saw an endpoint circuit open',
      registers: [registry],
    });
    this.disabled = new Counter({
      name: 'switchyard_endpoints_disabled_total',
      help: 'Endpoints this process disabled because every attempt failed for ENDPOINT_DISABLE_AFTER',
      registers: [registry],
    });
    const self = this;
    new Gauge({
      name: 'switchyard_delivery_attempts_in_flight',
      help: 'Attempts this process has sent or is about to send and not yet finished',
      registers: [registry],
      collect() {
        this.set(self.inFlight());
      },
    });
    const series = (name: string, help: string, value: (h: EndpointHealth) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['endpoint_id'],
        registers: [registry],
        collect() {
          this.reset();
          for (const h of self.liveEndpoints()) this.set({ endpoint_id: h.endpointId }, value(h));
        },
      });
    series('switchyard_endpoint_circuit_state', 'Circuit of each recently active endpoint: 0 closed, 1 half-open, 2 open', (h) => CIRCUIT_VALUE[h.circuit]);
    series('switchyard_endpoint_concurrency_limit', "Each recently active endpoint's adaptive limit of attempts in flight (over every replica)", (h) => h.limit);
    series('switchyard_endpoint_in_flight', 'Attempts in flight to each recently active endpoint (over every replica), as last seen', (h) => h.inFlight);
    new Gauge({
      name: 'switchyard_endpoint_circuits',
      help: 'Recently active endpoints by circuit state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts: Record<CircuitState, number> = { closed: 0, 'half-open': 0, open: 0 };
        for (const h of self.liveEndpoints()) counts[h.circuit]++;
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
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

  /** The statement recording an attempt disabled its endpoint. */
  endpointDisabled(): void {
    this.disabled.inc();
  }

  /** An attempt went out this long after it was due. */
  sentLate(lateMs: number): void {
    this.lag.observe(Math.max(0, lateMs) / 1000);
  }

  turn(outcome: TurnOutcome): void {
    this.turns.inc({ outcome });
  }

  /** The limits of endpoints as a release left them. */
  health(list: readonly EndpointHealth[]): void {
    const now = Date.now();
    for (const h of list) {
      const before = this.endpoints.get(h.endpointId);
      if (h.circuit === 'open' && before?.circuit !== 'open') this.circuitOpened.inc();
      this.endpoints.delete(h.endpointId);
      this.endpoints.set(h.endpointId, { ...h, seenAt: now });
      if (this.endpoints.size > this.maxEndpointSeries) this.endpoints.delete(this.endpoints.keys().next().value!);
    }
  }

  private liveEndpoints(): EndpointHealth[] {
    const cutoff = Date.now() - ENDPOINT_SERIES_IDLE_MS;
    for (const [id, h] of this.endpoints) {
      if (h.seenAt >= cutoff) break;
      this.endpoints.delete(id);
    }
    return [...this.endpoints.values()];
  }
}
