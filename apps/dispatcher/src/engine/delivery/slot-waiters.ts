/** Endpoints whose last release is remembered; past this the memory is dropped (it only decides whether to wait). */
const MAX_TRACKED_ENDPOINTS = 10_000;

/** A job of this process waiting for a slot. */
export interface SlotWaiter {
  /** The delivery the slot is for (it becomes the slot's holder). */
  readonly deliveryId: string;
  /** Ends the wait: true when the slot was handed over to this delivery. */
  readonly settle: (handedOver: boolean) => void;
}

/** Releases of one endpoint by this process, counted per window of `maxWaitMs`. */
interface ReleaseCount {
  window: number;
  count: number;
  previous: number;
}

/**
 * Delivery jobs of THIS process waiting for an in-flight slot of an endpoint that this process is
 * sending to. A job turned away by a busy endpoint normally gives its delivery back and is put off
 * in Bull (a PostgreSQL write and several Redis round trips, again each time it is turned away);
 * under a burst to one endpoint that churn costs more than the deliveries. So a turned-away job
 * waits here instead, holding nothing, and each slot this process frees is handed straight to the
 * oldest waiter (one Redis script swaps the holder, so no other job can take it in between).
 *
 * Waiting holds a worker, so it is bounded three ways: a job waits at most `maxWaitMs`; an
 * endpoint gets no more waiters than the slots this process freed of it in the last one to two
 * `maxWaitMs` (so they can expect a slot within the wait: a hanging endpoint frees none, a slow
 * one few); and all waiters together hold at most `maxWaiters` workers, so the others stay free
 * for other endpoints. 0 turns waiting off.
 */
export class SlotWaiters {
  private readonly waiting = new Map<string, { readonly waiter: SlotWaiter; readonly timer: NodeJS.Timeout }[]>();
  private readonly releases = new Map<string, ReleaseCount>();
  private total = 0;

  constructor(
    readonly maxWaitMs: number,
    private readonly maxWaiters: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Slots of the endpoint this process freed in the current and the previous window. */
  private recentReleases(endpointId: string): number {
    const r = this.releases.get(endpointId);
    if (!r) return 0;
    const window = Math.floor(this.now() / this.maxWaitMs);
    if (r.window === window) return r.count + r.previous;
    return r.window === window - 1 ? r.count : 0;
  }

  /** Whether a job turned away by this endpoint should wait here rather than be put off. */
  shouldWait(endpointId: string): boolean {
    if (this.maxWaitMs <= 0 || this.total >= this.maxWaiters) return false;
    return (this.waiting.get(endpointId)?.length ?? 0) < this.recentReleases(endpointId);
  }

  /** Waits until a slot of the endpoint is handed to the delivery (true), or `maxWaitMs` pass (false). */
  wait(endpointId: string, deliveryId: string): Promise<boolean> {
    if (this.maxWaitMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const queue = this.waiting.get(endpointId) ?? [];
      this.waiting.set(endpointId, queue);
      const entry = {
        waiter: { deliveryId, settle: resolve },
        timer: setTimeout(() => {
          const i = queue.indexOf(entry);
          if (i >= 0) {
            queue.splice(i, 1);
            this.total--;
          }
          if (queue.length === 0 && this.waiting.get(endpointId) === queue) this.waiting.delete(endpointId);
          resolve(false);
        }, this.maxWaitMs),
      };
      queue.push(entry);
      this.total++;
    });
  }

  /**
   * Notes that this process is freeing a slot of the endpoint, and takes its oldest waiter, if
   * any: from here on that waiter can no longer time out, and the caller must settle it.
   */
  releasing(endpointId: string): SlotWaiter | undefined {
    this.countRelease(endpointId);
    const queue = this.waiting.get(endpointId);
    const entry = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(endpointId);
    if (!entry) return undefined;
    this.total--;
    clearTimeout(entry.timer);
    return entry.waiter;
  }

  /** Ends every wait with false (shutdown: the jobs are put off as usual instead). */
  cancelAll(): void {
    for (const queue of this.waiting.values()) {
      for (const entry of queue) {
        clearTimeout(entry.timer);
        entry.waiter.settle(false);
      }
    }
    this.waiting.clear();
    this.total = 0;
  }

  /** Waiters in this process (for tests and metrics). */
  get size(): number {
    return this.total;
  }

  private countRelease(endpointId: string): void {
    if (this.maxWaitMs <= 0) return;
    const window = Math.floor(this.now() / this.maxWaitMs);
    const r = this.releases.get(endpointId);
    if (!r) {
      if (this.releases.size >= MAX_TRACKED_ENDPOINTS) this.releases.clear();
      this.releases.set(endpointId, { window, count: 1, previous: 0 });
    } else if (r.window === window) {
      r.count++;
    } else {
      r.previous = r.window === window - 1 ? r.count : 0;
      r.window = window;
      r.count = 1;
    }
  }
}
