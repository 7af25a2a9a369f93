/** One problem with a provider configuration, located by field name. */
export interface ConfigIssue {
  readonly field: string;
  readonly message: string;
}

export type ConfigResult<C> = { readonly ok: true; readonly config: C } | { readonly ok: false; readonly issues: ConfigIssue[] };

/** Longest secret or key a configuration may carry. */
export const MAX_SECRET_LENGTH = 1024;

/**
 * Reads fields of an untrusted configuration object, collecting every problem instead of
 * stopping at the first, so an API can report them all at once.
 */
export class ConfigReader {
  readonly issues: ConfigIssue[] = [];
  private readonly raw: Record<string, unknown>;

  constructor(raw: unknown) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.raw = {};
      this.issues.push({ field: '', message: 'config must be an object' });
    } else {
      this.raw = raw as Record<string, unknown>;
    }
  }

  /** A secret: a non-empty string, or a non-empty list of them (rotation). */
  secret(field: string): string | string[] {
    const value = this.raw[field];
    const valid = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && s.length <= MAX_SECRET_LENGTH;
    if (valid(value)) return value;
    if (Array.isArray(value) && value.length > 0 && value.length <= 10 && value.every(valid)) return value;
    this.issues.push({ field, message: `${field} must be a non-empty string (or a list of up to 10)` });
    return '';
  }

  string(field: string, options: { required: true; oneOf?: readonly string[]; maxLength?: number }): string;
  string(field: string, options?: { required?: false; oneOf?: readonly string[]; maxLength?: number }): string | undefined;
  string(field: string, options: { required?: boolean; oneOf?: readonly string[]; maxLength?: number } = {}): string | undefined {
    const value = this.raw[field];
    if (value === undefined || value === null) {
      if (options.required) this.issues.push({ field, message: `${field} is required` });
      return undefined;
    }
    if (typeof value !== 'string' || value.length > (options.maxLength ?? MAX_SECRET_LENGTH)) {
      this.issues.push({ field, message: `${field} must be a string of at most ${options.maxLength ?? MAX_SECRET_LENGTH} characters` });
      return undefined;
    }
    if (options.oneOf && !options.oneOf.includes(value)) {
      this.issues.push({ field, message: `${field} must be one of ${options.oneOf.join(', ')}` });
      return undefined;
    }
    if (options.required && value.length === 0) {
      this.issues.push({ field, message: `${field} must not be empty` });
      return undefined;
    }
    return value;
  }

  integer(field: string, options: { min: number; max: number }): number | undefined {
    const value = this.raw[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < options.min || value > options.max) {
      this.issues.push({ field, message: `${field} must be an integer from ${options.min} to ${options.max}` });
      return undefined;
    }
    return value;
  }

  boolean(field: string): boolean | undefined {
    const value = this.raw[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.issues.push({ field, message: `${field} must be a boolean` });
      return undefined;
    }
    return value;
  }

  /** Records a problem found by the caller's own cross-field checks. */
  problem(field: string, message: string): void {
    this.issues.push({ field, message });
  }

  /** The parsed configuration, or every problem found. */
  result<C>(config: C): ConfigResult<C> {
    return this.issues.length === 0 ? { ok: true, config } : { ok: false, issues: this.issues };
  }
}

/** Longest replay window a configuration may set (one week). */
export const MAX_TOLERANCE_SECONDS = 7 * 24 * 3600;
