import { parseRetrySchedule } from '@switchyard/events';
import { EnvReader, readCommonSettings, type CommonSettings, type Env } from '@switchyard/platform';

/** Everything the dispatcher reads from its environment (CONTRACT §2), validated once at boot. */
export interface DispatcherSettings extends CommonSettings {
  /** Waits after the 1st, 2nd, … failed attempt, in ms. */
  readonly retryScheduleMs: readonly number[];
  readonly deliveryTimeoutMs: number;
  /** An endpoint whose every attempt failed for this long is disabled. */
  readonly endpointDisableAfterMs: number;
  readonly allowPrivateNetworks: boolean;
  readonly maxPayloadBytes: number;
}

/** Injection token of the settings object. */
export const DISPATCHER_SETTINGS = Symbol('DISPATCHER_SETTINGS');

/** Reads and validates the dispatcher's environment; throws a SettingsError listing every bad key. */
export function loadDispatcherSettings(env: Env): DispatcherSettings {
  const reader = new EnvReader(env);
  const common = readCommonSettings(reader, { port: 3001 });
  const scheduleText = reader.string('RETRY_SCHEDULE', '5s,5m,30m,2h,5h,10h,10h');
  const schedule = parseRetrySchedule(scheduleText);
  if (!schedule.ok) reader.problem(`RETRY_SCHEDULE: ${schedule.error}`);
  const settings: DispatcherSettings = {
    ...common,
    retryScheduleMs: schedule.ok ? schedule.delaysMs : [],
    deliveryTimeoutMs: reader.integer('DELIVERY_TIMEOUT_MS', 15_000, 100, 300_000),
    endpointDisableAfterMs: reader.duration('ENDPOINT_DISABLE_AFTER', '5d'),
    allowPrivateNetworks: reader.boolean('ALLOW_PRIVATE_NETWORKS', false),
    maxPayloadBytes: reader.integer('MAX_PAYLOAD_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
  };
  reader.assertValid();
  return settings;
}
