/** What a batch function answers for one item: its result, or an Error that fails that item alone. */
export type ItemResult<O> = O | Error;

/**
 * What to do with a batch whose statement threw: `fail` rejects each of its items with the error;
 * `bisect` runs each half again (and so on), so one item whose own data the statement refuses
 * fails alone while the rest commit; `retry` runs the whole batch once more (a transient error
 * such as a concurrent delete), then fails it.
 */
export type BatchErrorAction = 'fail' | 'bisect' | 'retry';

export interface GroupCommitterOptions<I, O> {
  /**
   * Runs one batch and answers one result per item, in item order. An Error in a slot fails that
   * item only; throwing fails the batch (see `onBatchError`).
   */
  readonly run: (items: readonly I[]) => Promise<readonly ItemResult<O>[]>;
  /** Most items per batch. */
  readonly maxBatch: number;
  /** Batches running at once (1: a batch forms only while the previous one runs). Default 1. */
  readonly maxInFlight?: number;
  /** Items waiting at most; past it `submit` rejects with GroupCommitterFullError. Default unbounded. */
  readonly maxQueue?: number;
  /**
   * When an idle committer starts a batch: `now` sends a lone item at once (the first request of a
   * quiet period pays no wait at all); `tick` waits for the current I/O phase to end
   * (setImmediate), so completions that arrive together share a batch. Neither is a timer:
   * batches grow only with load. Default `now`.
   */
  readonly start?: 'now' | 'tick';
  /** A batch that throws: one action for every error, or one chosen per error. Default `fail`. */
  readonly onBatchError?: BatchErrorAction | ((error: unknown) => BatchErrorAction);
  /**
   * Items with the same key never share a batch, nor run in two batches at once: a later one waits
   * until the batch holding the earlier one has finished, so it meets the first one's committed row
   * through the statement's normal conflict path, and the earlier submit always wins (the order of
   * rows inside one INSERT, or of two concurrent statements, is not defined). Undefined: no key.
   */
  readonly key?: (item: I) => string | undefined;
  /** An item's size, for `maxBatchBytes`. */
  readonly size?: (item: I) => number;
  /** Most bytes per batch (by `size`); a batch always takes at least one item. Default unbounded. */
  readonly maxBatchBytes?: number;
  /** Called after each statement (for metrics). */
  readonly observe?: (event: { readonly size: number; readonly waitMs: number; readonly runMs: number; readonly ok: boolean }) => void;
}

/** The committer's queue is full: the caller should shed the load (answer 503) rather than wait. */
export class GroupCommitterFullError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} items are waiting to be committed`);
    this.name = 'GroupCommitterFullError';
  }
}

interface Pending<I, O> {
  readonly item: I;
  readonly queuedAt: number;
  readonly resolve: (value: O) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit without a timer (Nagle's rule, as ioredis auto-pipelining and MySQL's binlog
 * group commit do it): an item submitted while nothing runs goes at once; items submitted while
 * `maxInFlight` batches run wait and leave together, up to `maxBatch`, the moment one finishes.
 * So a quiet system pays no latency for batching, and a busy one gets larger batches by itself
 * (Little's law: arrival rate × statement time). Each caller learns its own item's outcome.
 */
export class GroupCommitter<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly idleWaiters: (() => void)[] = [];
  /** Keys of the items in running batches. */
  private readonly keysInFlight = new Set<string>();
  private readonly maxInFlight: number;

  constructor(private readonly options: GroupCommitterOptions<I, O>) {
    if (!(options.maxBatch >= 1)) throw new RangeError('maxBatch must be at least 1');
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Items waiting for a batch (not counting those in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Batches running now. */
  get running(): number {
    return this.inFlight;
  }

  /** Commits `item` in the next batch; resolves with its result once that batch has committed. */
  submit(item: I): Promise<O> {
    const limit = this.options.maxQueue;
    if (limit !== undefined && this.queue.length >= limit) return Promise.reject(new GroupCommitterFullError(limit));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, queuedAt: performance.now(), resolve, reject });
      this.kick();
    });
  }

  /** Resolves once nothing waits and nothing runs (shutdown). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private kick(): void {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0 || this.scheduled) return;
    if ((this.options.start ?? 'now') === 'tick') {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
      return;
    }
    this.flush();
  }

  /**
   * Takes the next batch off the queue: in order, up to maxBatch and maxBatchBytes, one item per
   * key and none whose key a running batch holds. May be empty (every waiting item's key is held).
   */
  private take(): Pending<I, O>[] {
    const { key, size, maxBatch, maxBatchBytes } = this.options;
    if (!key && !(size && maxBatchBytes !== undefined)) return this.queue.splice(0, maxBatch);
    const batch: Pending<I, O>[] = [];
    const keys = this.keysInFlight;
    let bytes = 0;
    let kept = 0;
    let i = 0;
    for (; i < this.queue.length && batch.length < maxBatch; i++) {
      const pending = this.queue[i]!;
      const k = key?.(pending.item);
      const itemBytes = size && maxBatchBytes !== undefined ? size(pending.item) : 0;
      if ((k !== undefined && keys.has(k)) || (batch.length > 0 && bytes + itemBytes > maxBatchBytes!)) {
        this.queue[kept++] = pending;
        if (batch.length > 0 && bytes + itemBytes > maxBatchBytes!) {
          i++;
          break;
        }
        continue;
      }
      if (k !== undefined) keys.add(k);
      bytes += itemBytes;
      batch.push(pending);
    }
    // Close the gap: the items left behind keep their order ahead of the rest.
    for (; i < this.queue.length; i++) this.queue[kept++] = this.queue[i]!;
    this.queue.length = kept;
    return batch;
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      const batchKeys = this.options.key ? batch.map((p) => this.options.key!(p.item)).filter((k): k is string => k !== undefined) : [];
      this.inFlight++;
      void this.runBatch(batch).then((settle) => {
        // The next batch leaves before this one's callers continue: it is already waiting.
        this.inFlight--;
        for (const k of batchKeys) this.keysInFlight.delete(k);
        if (this.queue.length > 0) this.flush();
        settle();
        if (this.inFlight === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  private actionFor(error: unknown): BatchErrorAction {
    const choice = this.options.onBatchError ?? 'fail';
    return typeof choice === 'function' ? choice(error) : choice;
  }

  /** Runs a batch (bisecting or retrying a refused one if asked); answers how to settle its callers. */
  private async runBatch(batch: Pending<I, O>[], retried = false): Promise<() => void> {
    const started = performance.now();
    const waitMs = started - Math.min(...batch.map((p) => p.queuedAt));
    let results: readonly ItemResult<O>[];
    try {
      results = await this.options.run(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`batch of ${batch.length} answered ${results.length} results`);
    } catch (error) {
      this.options.observe?.({ size: batch.length, waitMs, runMs: performance.now() - started, ok: false });
      const action = this.actionFor(error);
      if (action === 'retry' && !retried) return this.runBatch(batch, true);
      if (batch.length > 1 && action === 'bisect') {
        const half = Math.ceil(batch.length / 2);
        const first = await this.runBatch(batch.slice(0, half));
        const second = await this.runBatch(batch.slice(half));
        return () => {
          first();
          second();
        };
      }
      const failure = error instanceof Error ? error : new Error(String(error));
      return () => {
        for (const p of batch) p.reject(failure);
      };
    }
    this.options.observe?.({ size: batch.length, waitMs, runMs: performance.now() - started, ok: true });
    return () =>
      batch.forEach((p, i) => {
        const result = results[i] as ItemResult<O>;
        if (result instanceof Error) p.reject(result);
        else p.resolve(result);
      });
  }
}
