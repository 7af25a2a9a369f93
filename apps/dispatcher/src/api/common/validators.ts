import { isStorableString, UID_PATTERN } from '@switchyard/api-kit';
import { Transform } from 'class-transformer';
import { isId, type IdPrefix } from '@switchyard/events';
import { Matches, registerDecorator, ValidateIf, type ValidationArguments, type ValidationOptions } from 'class-validator';

export { UID_PATTERN };
/** Svix's rule for channel and tag names. */
export const CHANNEL_PATTERN = /^[a-zA-Z0-9\-_.:]{1,128}$/;
/** An endpoint type filter: an event type name, optionally ending in `.*` (our prefix match), or `*`. */
export const FILTER_TYPE_PATTERN = /^(\*|[a-zA-Z0-9\-_.]{1,254}(\.\*)?)$/;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * The field may be absent, but if present it must not be null: for Svix fields typed
 * `x?: T` (not `T | null`). Use `@IsOptional()` for fields that may also be null.
 */
export function IsAbsentOr(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** A uid: Svix's characters, and not shaped like one of our ids (which would make lookups ambiguous). */
export function IsUid(prefix: IdPrefix, options?: ValidationOptions): PropertyDecorator {
  return (target, property) => {
    Matches(UID_PATTERN, { message: `${String(property)} must be 1-256 characters of a-z, A-Z, 0-9, '-', '_' and '.'`, ...options })(target, property);
    registerDecorator({
      name: 'isNotAnId',
      target: target.constructor,
      propertyName: String(property),
      options: { message: `${String(property)} must not look like an id (${prefix}_…)`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || !isId(prefix, value) },
    });
  };
}

/**
 * True when any string inside a JSON value (keys included) could not be stored in PostgreSQL.
 * Recursive: bodies are checked for depth (api-kit's RequestShapeInterceptor) before validation runs.
 */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return !isStorableString(value);
  if (Array.isArray(value)) return value.some(containsNul);
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([k, v]) => !isStorableString(k) || containsNul(v));
  return false;
}

/** Text without control characters (names shown to people). */
export function HasNoControlCharacters(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'hasNoControlCharacters',
      target: target.constructor,
      propertyName: String(property),
      options: { message: `${String(property)} must not contain control characters`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || !CONTROL_CHARACTERS.test(value) },
    });
}

export interface StringRecordLimits {
  readonly maxEntries: number;
  readonly maxKeyLength: number;
  readonly maxValueLength: number;
  /** Values may also be null (a header patch, where null deletes the header). */
  readonly nullValues?: boolean;
}

/** A JSON object whose values are all strings (Svix `metadata`, `headers`), bounded in size. */
export function IsStringRecord(limits: StringRecordLimits, options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isStringRecord',
      target: target.constructor,
      propertyName: String(property),
      options: {
        message: (args: ValidationArguments) =>
          `${args.property} must be an object of at most ${limits.maxEntries} string values (keys up to ${limits.maxKeyLength}, values up to ${limits.maxValueLength} characters)`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          if (entries.length > limits.maxEntries) return false;
          return entries.every(
            ([k, v]) =>
              k.length > 0 && k.length <= limits.maxKeyLength && ((v === null && limits.nullValues === true) || (typeof v === 'string' && v.length <= limits.maxValueLength && !containsNul([k, v]))),
          );
        },
      },
    });
}

/** Free text (descriptions): anything PostgreSQL can store, so no U+0000 and no unpaired surrogates. */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isStorableText',
      target: target.constructor,
      propertyName: String(property),
      options: { message: `${String(property)} must not contain U+0000 or unpaired surrogates`, ...options },
      validator: { validate: (value: unknown) => !containsNul(value) },
    });
}

/** A plain JSON object (not an array, not null) that PostgreSQL jsonb can store (no U+0000). */
export function IsJsonObject(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isJsonObject',
      target: target.constructor,
      propertyName: String(property),
      options: { message: `${String(property)} must be a JSON object (without U+0000 or unpaired surrogates in its strings)`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value) && !containsNul(value) },
    });
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Turns an ISO-8601 date-time string into a Date; anything else is left as is, for `@IsDate()` to refuse. */
export function ToDate(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)) ? new Date(value) : value));
}

/** Query-string booleans: `true` and `false` only; anything else is left for `@IsBoolean()` to refuse. */
export function ToBoolean(): PropertyDecorator {
  return Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));
}

/** Query-string integers: decimal digits only; anything else is left for `@IsInt()` to refuse. */
export function ToInteger(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value));
}

/** Query-string lists, comma-joined as the svix SDK sends them (`event_types=a,b`). */
export function ToList(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? value.split(',').filter((s) => s !== '') : value));
}

/** The same set of strings, or null/absent alike (order and repeats aside). */
function sameTypeList(a: unknown, b: unknown): boolean {
  const key = (v: unknown) => (Array.isArray(v) ? JSON.stringify([...new Set(v.map(String))].sort()) : 'null');
  return key(a) === key(b);
}

/**
 * A field that is another name for `other` (Svix SDK 2.x's `eventTypes` for 1.x's `filterTypes`):
 * when a body sends both, they must name the same list.
 */
export function AgreesWith(other: string, options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'agreesWith',
      target: target.constructor,
      propertyName: String(property),
      options: { message: `${String(property)} and ${other} name the same list and must agree when both are given`, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const otherValue = (args.object as Record<string, unknown>)[other];
          return value === undefined || otherValue === undefined || sameTypeList(value, otherValue);
        },
      },
    });
}
