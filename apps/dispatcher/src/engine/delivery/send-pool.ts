/**
 * The attempts this process has in flight. Turns hand their claimed deliveries over and finish
 * at once, so a slow or hanging endpoint holds a socket and a promise here (cheap), never a turn
 * worker (scarce): the work a process can do stays available to every endpoint. Bounded by a
 * count (DELIVERY_CONCURRENCY) and the payload bytes held (DELIVERY_BUFFER_BYTES); turns ask
 * `free` how much they may take, and a turn that finds the pool full waits for `roomy` (drained
 * to half) before its worker takes another turn.
 */
export class SendPool {
  private count = 0;
  private bytes = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly roomWaiters: (() => void)[] = [];

  constructor(
    private readonly maxSends: number,
    private readonly maxBytes: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Attempts in flight now. */
  get size(): number {
    return this.count;
  }

  /** How many more attempts a turn may hand over now (0 while the byte budget is spent). */
  get free(): number {
    if (this.bytes >= this.maxBytes) return 0;
    return Math.max(0, this.maxSends - this.count);
  }

  /** Runs one attempt (its promise never rejects into the caller); `bytes` is what it holds meanwhile. */
  run(bytes: number, attempt: () => Promise<void>): void {
    this.count++;
    this.bytes += bytes;
    void attempt()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.count--;
        this.bytes -= bytes;
        if (this.roomWaiters.length > 0 && this.hasRoom()) for (const wake of this.roomWaiters.splice(0)) wake();
        if (this.count === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }

  /** Counts `bytes` held outside an attempt (deliveries waiting in the process for a slot) against the budget. */
  hold(count: number, bytes: number): void {
    this.count += count;
    this.bytes += bytes;
  }

  /** Gives back what `hold` counted. */
  unhold(count: number, bytes: number): void {
    this.count -= count;
    this.bytes -= bytes;
    if (this.roomWaiters.length > 0 && this.hasRoom()) for (const wake of this.roomWaiters.splice(0)) wake();
    if (this.count === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Resolves once the pool has drained to half its count and bytes (at once if it has). */
  roomy(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves when nothing is in flight (shutdown). */
  drain(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private hasRoom(): boolean {
    return this.count <= this.maxSends / 2 && this.bytes <= this.maxBytes / 2;
  }
}
