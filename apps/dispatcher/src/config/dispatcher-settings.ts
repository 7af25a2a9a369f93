import net from 'node:net';
import { isFrameAncestorsList } from '../portal/frame-ancestors.js';
import { parseRetrySchedule } from '@switchyard/events';
import { EnvReader, positiveDuration, readCommonSettings, withoutTrailingSlashes, type CommonSettings, type Env } from '@switchyard/platform';
import type { SchedulerLimits } from '@switchyard/scheduler';

/** Everything the dispatcher reads from its environment (docs/api.md §2), validated once at boot. */
export interface DispatcherSettings extends CommonSettings {
  /** Waits after the 1st, 2nd, … failed attempt, in ms. */
  readonly retryScheduleMs: readonly number[];
  readonly deliveryTimeoutMs: number;
  /** An endpoint whose every attempt failed for this long is disabled. */
  readonly endpointDisableAfterMs: number;
  readonly allowPrivateNetworks: boolean;
  readonly maxPayloadBytes: number;
  /**
   * Largest management-API request body; larger gets 413 before it is parsed. At least
   * MAX_PAYLOAD_BYTES + MESSAGE_ENVELOPE_BYTES, so that a message whose payload is at the limit fits.
   */
  readonly apiMaxBodyBytes: number;
  /** The CSP frame-ancestors source list of /portal: the origins that may show the consumer portal in an iframe. */
  readonly portalFrameAncestors: string;

  // The delivery engine's limits (README "Configuration").
  /** Attempts in flight in this process at once (waiting sockets are cheap; this bounds memory). */
  readonly deliveryConcurrency: number;
  /** Payload bytes held by this process's attempts in flight, at most (a turn that would pass it waits). */
  readonly deliveryBufferBytes: number;
  /** A payload up to this many bytes comes with its claim; a larger one is read just before it is sent and let go once written. */
  readonly deliveryInlinePayloadBytes: number;
  /** Endpoint turns this process runs at once (each claims a batch and hands it to the senders). */
  readonly turnConcurrency: number;
  /** Most deliveries one turn of an endpoint takes before the endpoint goes to the back of the ring. */
  readonly turnQuantum: number;
  /** Fan-out turns (of applications) this process runs at once. */
  readonly fanOutConcurrency: number;
  /** Most messages one application's fan-out turn takes before the application goes to the back of the ring. */
  readonly fanOutBatch: number;
  /** A published message that routes to at most this many endpoints gets its deliveries in the publish statement, without a fan-out job. */
  readonly fanOutInlineMax: number;
  /** Attempts in flight to one endpoint at once, over every replica: the ceiling of its adaptive limit. */
  readonly endpointMaxInFlight: number;
  /**
   * A busy endpoint's turn also claims the deliveries its slots are expected to free within this
   * long (its limit × this / its response time); they wait in the process and go out as its
   * attempts there finish, each slot handed straight on (0: never).
   */
  readonly endpointPrefetchMs: number;
  /** Where an endpoint's adaptive limit starts (and restarts when its circuit closes). */
  readonly endpointInitialInFlight: number;
  /** Consecutive attempts without a usable answer (or 429/502/503/504) that open an endpoint's circuit. */
  readonly endpointCircuitFailures: number;
  /** How long a circuit stays open before one probe is let through; doubled after each failed probe up to the max. */
  readonly endpointCircuitOpenMs: number;
  readonly endpointCircuitMaxOpenMs: number;
  /** Endpoints with per-endpoint series in /metrics (circuit, limit, in flight): the most recently active. */
  readonly metricsEndpointSeries: number;
  /**
   * Added to each second when pacing a rateLimit (sends are (1000 + this) / rateLimit ms apart, and
   * no more than rateLimit leave in any 1000 + this ms), so jitter on the way to the receiver
   * never puts rateLimit + 1 arrivals into one sliding second.
   */
  readonly rateLimitMarginMs: number;
  /** Open connections to one origin (scheme, host, port) per process. */
  readonly connectionsPerOrigin: number;
  /** Time to open a TCP/TLS connection, within DELIVERY_TIMEOUT_MS. */
  readonly connectTimeoutMs: number;
  /** The longest one lookup of an endpoint host waits, over every try and server (less than connectTimeoutMs, which includes it). */
  readonly dnsTimeoutMs: number;
  /** Queries sent to each name server within dnsTimeoutMs. */
  readonly dnsTries: number;
  /** Names whose answers (or failures) are kept, at most. */
  readonly dnsCacheMax: number;
  /** An answer is kept for its TTL, never longer than this (0: nothing is kept). */
  readonly dnsCacheMaxTtlMs: number;
  /** A failed lookup (no such name, no answer in time) is kept this long. */
  readonly dnsCacheErrorTtlMs: number;
  /** Name servers to ask instead of resolv.conf's (`ip`, `ip:port`, `[ipv6]:port`). */
  readonly dnsServers: readonly string[] | undefined;
  /** Ask the system resolver (getaddrinfo, on the thread pool) for names the name servers do not know. */
  readonly dnsSystemFallback: boolean;
  /** Bytes of a response body kept in the attempt log; the rest is not read. */
  readonly maxResponseCaptureBytes: number;
  /** How long a sender owns a delivery it claimed; after that, another may take it over. */
  readonly deliveryLeaseMs: number;
  /** How often the reconciler rebuilds lost jobs from PostgreSQL. */
  readonly reconcileIntervalMs: number;
  /** Most deliveries and messages the reconciler re-enqueues per pass. */
  readonly reconcileBatchSize: number;
  /** How overdue a delivery, or how old an unfanned message, must be before the reconciler re-enqueues it. */
  readonly reconcileGraceMs: number;
  /**
   * A delivery (or message) still overdue this long after it was first re-enqueued gets a job
   * under a fresh id, in case the old job is wedged in Redis (a half-lost keyspace, a dead worker's job).
   */
  readonly reconcileRequeueAfterMs: number;
  /** Longest an enqueue may wait on Redis before giving up (the reconciler then catches up). */
  readonly enqueueTimeoutMs: number;
  /** Bull lock of an active job; a dead worker's jobs are retried this long after it died, at most. */
  readonly queueLockDurationMs: number;
  /** How often Bull looks for jobs whose worker died. */
  readonly queueStalledIntervalMs: number;
  /** PAYLOAD_RETENTION: a message's payload is removed this long after it was created (a per-message retention overrides it). */
  readonly payloadRetentionMs: number;
  /** ATTEMPT_RETENTION: attempts, finished deliveries and emptied messages are removed this long after they were written. */
  readonly attemptRetentionMs: number;
  /**
   * PORTAL_URL: the base of every app portal link (no trailing slash); the token follows in the
   * fragment (`#key=…`). Default: this dispatcher's own `/portal` on localhost and PORT. Never taken
   * from a request's Host header, which a caller chooses.
   */
  readonly portalUrl: string;
  /** PORTAL_TOKEN_MAX_EXPIRY: the longest `expiry` an app portal token may be given (Svix: 7 days, also the default). */
  readonly portalTokenMaxExpiryMs: number;
  /** PORTAL_TOKEN_RETENTION: an expired or revoked app portal token's row is kept this long (to answer `token_expired`), then deleted. */
  readonly portalTokenRetentionMs: number;
}

/**
 * Room a message body has beyond its payload: eventType, eventId, channels, tags, deliverAt, the
 * `application` to create and the JSON around them (a few KiB at most), and whitespace.
 */
export const MESSAGE_ENVELOPE_BYTES = 64 * 1024;

/** Injection token of the settings object. */
export const DISPATCHER_SETTINGS = Symbol('DISPATCHER_SETTINGS');

/** Reads and validates the dispatcher's environment; throws a SettingsError listing every bad key. */
export function loadDispatcherSettings(env: Env): DispatcherSettings {
  const reader = new EnvReader(env);
  const common = readCommonSettings(reader, { port: 3001, adminPort: 9001, databasePoolSize: 20 });
  const scheduleText = reader.string('RETRY_SCHEDULE', '5s,5m,30m,2h,5h,10h,10h');
  const schedule = parseRetrySchedule(scheduleText);
  if (!schedule.ok) reader.problem(`RETRY_SCHEDULE: ${schedule.error}`);
  const deliveryTimeoutMs = reader.integer('DELIVERY_TIMEOUT_MS', 15_000, 100, 300_000);
  const connectTimeoutMs = reader.integer('CONNECT_TIMEOUT_MS', Math.min(10_000, deliveryTimeoutMs), 100, 300_000);
  const allowPrivateNetworks = reader.boolean('ALLOW_PRIVATE_NETWORKS', false);
  const dnsServersText = reader.string('DNS_SERVERS');
  const dnsServers = dnsServersText
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const badServer = dnsServers?.find((s) => !isDnsServer(s));
  if (badServer !== undefined) reader.problem(`DNS_SERVERS: "${badServer}" is not an IP address, ip:port or [ipv6]:port`);
  const maxPayloadBytes = reader.integer('MAX_PAYLOAD_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  const apiMaxBodyBytes = reader.integer('API_MAX_BODY_BYTES', maxPayloadBytes + MESSAGE_ENVELOPE_BYTES, 1024, 256 * 1024 * 1024);
  if (apiMaxBodyBytes < maxPayloadBytes + MESSAGE_ENVELOPE_BYTES) {
    reader.problem(`API_MAX_BODY_BYTES must be at least MAX_PAYLOAD_BYTES + ${MESSAGE_ENVELOPE_BYTES} (${maxPayloadBytes + MESSAGE_ENVELOPE_BYTES}), so that a message with the largest payload fits`);
  }
  const portalFrameAncestors = reader.string('PORTAL_FRAME_ANCESTORS', '*').trim();
  if (!isFrameAncestorsList(portalFrameAncestors)) {
    reader.problem(`PORTAL_FRAME_ANCESTORS must be a space-separated CSP source list (*, 'self', 'none', https://app.example.com, https://*.example.com), got "${portalFrameAncestors}"`);
  }
  const portalUrl = withoutTrailingSlashes(reader.url('PORTAL_URL', `http://localhost:${common.port}/portal`, ['http:', 'https:']));
  if (URL.canParse(portalUrl) && new URL(portalUrl).hash !== '') reader.problem('PORTAL_URL must not have a fragment (#…): the token goes there');
  const settings: DispatcherSettings = {
    ...common,
    portalFrameAncestors,
    retryScheduleMs: schedule.ok ? schedule.delaysMs : [],
    deliveryTimeoutMs,
    endpointDisableAfterMs: reader.duration('ENDPOINT_DISABLE_AFTER', '5d'),
    allowPrivateNetworks,
    maxPayloadBytes,
    apiMaxBodyBytes,
    deliveryConcurrency: reader.integer('DELIVERY_CONCURRENCY', 1000, 1, 100_000),
    deliveryBufferBytes: reader.integer('DELIVERY_BUFFER_BYTES', 64 * 1024 * 1024, 1024 * 1024, 4 * 1024 * 1024 * 1024),
    deliveryInlinePayloadBytes: reader.integer('DELIVERY_INLINE_PAYLOAD_BYTES', 64 * 1024, 0, 64 * 1024 * 1024),
    turnConcurrency: reader.integer('TURN_CONCURRENCY', 8, 1, 200),
    turnQuantum: reader.integer('TURN_QUANTUM', 32, 1, 1000),
    fanOutConcurrency: reader.integer('FAN_OUT_CONCURRENCY', 4, 1, 100),
    fanOutBatch: reader.integer('FAN_OUT_BATCH', 50, 1, 10_000),
    fanOutInlineMax: reader.integer('FAN_OUT_INLINE_MAX', 10, 0, 250),
    endpointMaxInFlight: reader.integer('ENDPOINT_MAX_IN_FLIGHT', 50, 1, 1000),
    endpointInitialInFlight: reader.integer('ENDPOINT_INITIAL_IN_FLIGHT', 10, 1, 1000),
    endpointPrefetchMs: reader.integer('ENDPOINT_PREFETCH_MS', 200, 0, 10_000),
    endpointCircuitFailures: reader.integer('ENDPOINT_CIRCUIT_FAILURES', 5, 1, 1000),
    endpointCircuitOpenMs: reader.integer('ENDPOINT_CIRCUIT_OPEN_MS', 5_000, 100, 3_600_000),
    endpointCircuitMaxOpenMs: reader.integer('ENDPOINT_CIRCUIT_MAX_OPEN_MS', 300_000, 100, 86_400_000),
    rateLimitMarginMs: reader.integer('RATE_LIMIT_MARGIN_MS', 50, 0, 1000),
    metricsEndpointSeries: reader.integer('METRICS_ENDPOINT_SERIES', 1000, 0, 100_000),
    connectionsPerOrigin: reader.integer('CONNECTIONS_PER_ORIGIN', 50, 1, 1000),
    connectTimeoutMs,
    dnsTimeoutMs: reader.integer('DNS_TIMEOUT_MS', Math.min(2_000, Math.floor(Math.min(connectTimeoutMs, deliveryTimeoutMs) / 2)), 10, 60_000),
    dnsTries: reader.integer('DNS_TRIES', 2, 1, 5),
    dnsCacheMax: reader.integer('DNS_CACHE_MAX', 1_000, 0, 1_000_000),
    dnsCacheMaxTtlMs: reader.integer('DNS_CACHE_MAX_TTL_MS', 60_000, 0, 86_400_000),
    dnsCacheErrorTtlMs: reader.integer('DNS_CACHE_ERROR_TTL_MS', 1_000, 0, 3_600_000),
    dnsServers: dnsServers && dnsServers.length > 0 && badServer === undefined ? dnsServers : undefined,
    dnsSystemFallback: reader.boolean('DNS_SYSTEM_FALLBACK', allowPrivateNetworks),
    maxResponseCaptureBytes: reader.integer('MAX_RESPONSE_CAPTURE_BYTES', 4096, 0, 1024 * 1024),
    deliveryLeaseMs: reader.integer('DELIVERY_LEASE_MS', deliveryTimeoutMs + 15_000, 1_000, 3_600_000),
    reconcileIntervalMs: reader.integer('RECONCILE_INTERVAL_MS', 2_000, 50, 600_000),
    reconcileBatchSize: reader.integer('RECONCILE_BATCH_SIZE', 1_000, 1, 100_000),
    reconcileGraceMs: reader.integer('RECONCILE_GRACE_MS', 5_000, 0, 3_600_000),
    reconcileRequeueAfterMs: reader.integer('RECONCILE_REQUEUE_AFTER_MS', 60_000, 1_000, 86_400_000),
    enqueueTimeoutMs: reader.integer('ENQUEUE_TIMEOUT_MS', 2_000, 100, 60_000),
    queueLockDurationMs: reader.integer('QUEUE_LOCK_DURATION_MS', 30_000, 1_000, 600_000),
    queueStalledIntervalMs: reader.integer('QUEUE_STALLED_INTERVAL_MS', 30_000, 1_000, 600_000),
    payloadRetentionMs: positiveDuration(reader, 'PAYLOAD_RETENTION', '90d'),
    attemptRetentionMs: positiveDuration(reader, 'ATTEMPT_RETENTION', '90d'),
    portalUrl,
    portalTokenMaxExpiryMs: positiveDuration(reader, 'PORTAL_TOKEN_MAX_EXPIRY', '7d'),
    portalTokenRetentionMs: positiveDuration(reader, 'PORTAL_TOKEN_RETENTION', '7d'),
  };
  // A lease shorter than an attempt could run would let a second sender take over a live attempt.
  if (settings.deliveryLeaseMs < deliveryTimeoutMs + 1_000) {
    reader.problem(`DELIVERY_LEASE_MS must be at least DELIVERY_TIMEOUT_MS + 1000 (${deliveryTimeoutMs + 1_000})`);
  }
  // The connect timer runs from before the lookup: a lookup that could use it all would be reported as a connect timeout.
  if (settings.dnsTimeoutMs >= Math.min(settings.connectTimeoutMs, deliveryTimeoutMs)) {
    reader.problem(`DNS_TIMEOUT_MS must be less than CONNECT_TIMEOUT_MS and DELIVERY_TIMEOUT_MS (${Math.min(settings.connectTimeoutMs, deliveryTimeoutMs)})`);
  }
  if (settings.endpointCircuitMaxOpenMs < settings.endpointCircuitOpenMs) {
    reader.problem('ENDPOINT_CIRCUIT_MAX_OPEN_MS must be at least ENDPOINT_CIRCUIT_OPEN_MS');
  }
  reader.assertValid();
  return settings;
}

/** A name server as c-ares' setServers takes it: `ip`, `ipv4:port`, `[ipv6]` or `[ipv6]:port`. */
function isDnsServer(text: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const withPort = /^([^:]+):(\d{1,5})$/.exec(text);
  const [address, port] = bracketed ? [bracketed[1]!, bracketed[2]] : withPort ? [withPort[1]!, withPort[2]] : [text, undefined];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) return false;
  return bracketed ? net.isIPv6(address) : net.isIP(address) !== 0;
}

/** The endpoint scheduler's limits, from the settings. */
export function schedulerLimits(settings: DispatcherSettings): Partial<SchedulerLimits> {
  return {
    maxInFlight: settings.endpointMaxInFlight,
    initialLimit: Math.min(settings.endpointInitialInFlight, settings.endpointMaxInFlight),
    failureThreshold: settings.endpointCircuitFailures,
    openMs: settings.endpointCircuitOpenMs,
    maxOpenMs: settings.endpointCircuitMaxOpenMs,
    // a probe's slot outlives its attempt (and the recording of it)
    probeTtlMs: settings.deliveryTimeoutMs + 2_000,
    tokenLeaseMs: settings.deliveryLeaseMs,
    rateMarginMs: settings.rateLimitMarginMs,
    turnLeaseMs: settings.queueLockDurationMs,
    queuedStaleMs: settings.reconcileRequeueAfterMs,
  };
}
