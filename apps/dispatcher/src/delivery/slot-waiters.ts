/** Endpoints whose last release is remembered; past this the memory is dropped (it only decides whether to wait). */
const MAX_TRACKED_ENDPOINTS = 10_000;

/** A job of this process waiting for a slot. */
export interface SlotWaiter {
  /** The delivery the slot is for (it becomes the slot's holder). */
  readonly deliveryId: string;
  /** Ends the wait: true when the slot was handed over to this delivery. */
  readonly settle: (handedOver: boolean) => void;
}

/**
 * Delivery jobs of THIS process waiting for an in-flight slot of an endpoint that this process is
 * sending to. A job turned away by a busy endpoint normally gives its delivery back and is put off
 * in Bull (a PostgreSQL write and several Redis round trips, again each time it is turned away);
 * under a burst to one endpoint that churn costs more than the deliveries. So when the endpoint
 * is moving (this process freed one of its slots within the last `maxWaitMs`), the job waits here
 * instead, holding nothing, and each slot this process frees is handed straight to the oldest
 * waiter (one Redis script swaps the holder, so no other job can take it in between). A job waits
 * at most `maxWaitMs`; an endpoint that hangs frees no slot, so its jobs never wait here and the
 * workers stay with the other endpoints. 0 turns waiting off.
 */
export class SlotWaiters {
  private readonly waiting = new Map<string, { readonly waiter: SlotWaiter; readonly timer: NodeJS.Timeout }[]>();
  private readonly lastRelease = new Map<string, number>();

  constructor(
    readonly maxWaitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a job turned away by this endpoint should wait here rather than be put off. */
  shouldWait(endpointId: string): boolean {
    if (this.maxWaitMs <= 0) return false;
    const at = this.lastRelease.get(endpointId);
    return at !== undefined && this.now() - at <= this.maxWaitMs;
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
          if (i >= 0) queue.splice(i, 1);
          if (queue.length === 0 && this.waiting.get(endpointId) === queue) this.waiting.delete(endpointId);
          resolve(false);
        }, this.maxWaitMs),
      };
      queue.push(entry);
    });
  }

  /**
   * Notes that this process is freeing a slot of the endpoint, and takes its oldest waiter, if
   * any: from here on that waiter can no longer time out, and the caller must settle it.
   */
  releasing(endpointId: string): SlotWaiter | undefined {
    if (this.lastRelease.size >= MAX_TRACKED_ENDPOINTS && !this.lastRelease.has(endpointId)) this.lastRelease.clear();
    this.lastRelease.set(endpointId, this.now());
    const queue = this.waiting.get(endpointId);
    const entry = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(endpointId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    return entry.waiter;
  }

  /** Waiters in this process (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const queue of this.waiting.values()) n += queue.length;
    return n;
  }
}
