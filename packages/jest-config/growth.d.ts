/** Growth factor of the input between the two measurements. */
export declare const GROWTH: number;
/** Largest time ratio accepted for GROWTH times the input: linear is ~8, quadratic ~64. */
export declare const MAX_RATIO: number;
/** Size of the adversarial input every bounded function must also get through once: 1 MiB. */
export declare const ONE_MIB: number;

export interface GrowthMeasure {
  readonly n: number;
  readonly smallMs: number;
  readonly largeMs: number;
  readonly ratio: number;
}

export interface GrowthOptions {
  readonly minN?: number;
  readonly maxN?: number;
  readonly floorMs?: number;
}

/** Times `work(make(n))` against `work(make(GROWTH * n))`, the fastest of interleaved runs. */
export declare function measureGrowth<T>(make: (n: number) => T, work: (input: T) => unknown, options?: GrowthOptions): GrowthMeasure;

/** Throws unless the work grows about linearly with the input, then runs it once on `make(1 MiB)`. */
export declare function assertLinear<T>(label: string, make: (n: number) => T, work: (input: T) => unknown, options?: GrowthOptions): GrowthMeasure;
