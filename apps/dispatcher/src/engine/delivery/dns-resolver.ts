import dns, { type LookupAddress } from 'node:dns';
import { readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import type { Resolver } from './egress-guard.js';

/**
 * DNS for endpoint hosts, off the libuv thread pool. `dns.lookup` (getaddrinfo) runs on that
 * pool's 4 threads, so a few receivers' slow name servers would stall every delivery and every
 * other pool user (fs, crypto, zlib); a timed-out getaddrinfo even keeps its thread. Here names
 * are asked of c-ares (`dns.promises.Resolver`, sockets on the event loop) with one deadline per
 * lookup, answers are kept for their TTL (capped) in a bounded cache, failures briefly, and
 * concurrent lookups of one name share one query.
 *
 * Answered without a query, in this order (as glibc's default `hosts: files dns`): IP literals;
 * names in the hosts file (re-read when it changes); `localhost` and `*.localhost` (RFC 6761),
 * when the hosts file does not list them. c-ares does not read the hosts file for the queries
 * Node exposes, nor apply resolv.conf's search list: a name only those (or another NSS source)
 * know is found only with `systemFallback`, which asks getaddrinfo after c-ares finds nothing.
 * That path is on the thread pool again, and a receiver's name server can reach it (answer
 * NXDOMAIN with no negative TTL, then stall the second query), so it is meant for deployments
 * that deliver to internal names, which are the ones that allow private networks.
 *
 * The private-network guard is not here: it checks whatever this answers, on every connect.
 */

export interface DnsResolverOptions {
  /** The longest one lookup waits for an answer, over every try and server (DNS_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** Queries sent to each server within that time, each retry waiting twice as long as the one before (DNS_TRIES). */
  readonly tries: number;
  /** Names kept in the cache at most, answers and failures together; the least recently used go first (DNS_CACHE_MAX). */
  readonly cacheMax: number;
  /** An answer is kept for its TTL, never longer than this (DNS_CACHE_MAX_TTL_MS; 0: nothing is kept). */
  readonly maxTtlMs: number;
  /** A failure (no such name, no answer in time, a server error) is kept this long, within maxTtlMs (DNS_CACHE_ERROR_TTL_MS). */
  readonly errorTtlMs: number;
  /** Name servers (`ip` or `ip:port`, `[ipv6]:port`); default: the system's, from resolv.conf (DNS_SERVERS). */
  readonly servers?: readonly string[];
  /** Ask getaddrinfo when c-ares finds no address (DNS_SYSTEM_FALLBACK). */
  readonly systemFallback?: boolean;
  /** The system resolver the fallback asks; default getaddrinfo (tests replace it). */
  readonly systemLookup?: (hostname: string) => Promise<LookupAddress[]>;
  /** The hosts file; default /etc/hosts. */
  readonly hostsFile?: string;
  /** Milliseconds now (tests move it to expire cache entries). */
  readonly now?: () => number;
}

/** The settings' defaults (README "Configuration"), for a client built without them. */
export const DNS_DEFAULTS = { timeoutMs: 2_000, tries: 2, cacheMax: 1_000, maxTtlMs: 60_000, errorTtlMs: 1_000 } as const;

/** No answer for a name within the lookup's deadline. */
export class DnsTimeoutError extends Error {
  readonly code = 'ERR_DNS_TIMEOUT';

  constructor(
    readonly hostname: string,
    readonly timeoutMs: number,
    /** Set when this is a remembered failure: the lookup that timed out ended this long ago. */
    readonly ageMs?: number,
  ) {
    super(`no DNS answer for ${hostname} within ${timeoutMs} ms`);
    this.name = 'DnsTimeoutError';
  }
}

/** A lookup that ended without an address: no such name, no address record, or a server or transport error. */
export class DnsLookupError extends Error {
  readonly code = 'ERR_DNS_LOOKUP';

  constructor(
    readonly hostname: string,
    /** What the resolver said: ENOTFOUND (no such name or no address), or c-ares' code (ESERVFAIL, EREFUSED, ECONNREFUSED, …). */
    readonly reason: string,
  ) {
    super(`DNS lookup of ${hostname} failed (${reason})`);
    this.name = 'DnsLookupError';
  }
}

/** c-ares codes that mean "this name has no address of that family", not "something went wrong". */
const NO_ADDRESS = new Set(['ENOTFOUND', 'ENODATA']);
/** How often the hosts file is checked for changes, at most. */
const HOSTS_RECHECK_MS = 5_000;
const LOCALHOST: readonly LookupAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/** What a query came to; kept in the cache until `expiresAt`. */
type Outcome = { readonly addresses: readonly LookupAddress[] } | { readonly error: DnsTimeoutError | DnsLookupError };

interface CacheEntry {
  readonly outcome: Outcome;
  readonly at: number;
  readonly expiresAt: number;
}

/** What came of one family's query: addresses with their TTLs, none, or why not. */
type FamilyAnswer = { readonly records: dns.RecordWithTtl[] } | { readonly failure: string };

/** Names → addresses of a hosts file (lower-case names, addresses in file order, zone ids skipped). */
export function parseHostsFile(text: string): Map<string, LookupAddress[]> {
  const table = new Map<string, LookupAddress[]>();
  for (const line of text.split(/\r?\n/)) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const family = address && !address.includes('%') ? net.isIP(address) : 0;
    if (family === 0) continue;
    for (const name of names) {
      const key = name.toLowerCase();
      const list = table.get(key) ?? [];
      if (!list.some((a) => a.address === address)) list.push({ address: address!, family });
      table.set(key, list);
    }
  }
  return table;
}

const systemLookup = (hostname: string): Promise<LookupAddress[]> => dns.promises.lookup(hostname, { all: true, order: 'verbatim' });

/** c-ares' per-try timeout such that `tries` tries, each waiting twice as long as the last, fit in `timeoutMs`. */
export function perTryTimeoutMs(timeoutMs: number, tries: number): number {
  return Math.max(1, Math.floor(timeoutMs / (2 ** tries - 1)));
}

/** Looks endpoint hosts up through c-ares with a deadline, a bounded TTL cache and one query per name at a time. */
export class DnsResolver {
  private readonly resolver: dns.promises.Resolver;
  private readonly now: () => number;
  /** Least recently used first (a Map keeps insertion order; a hit moves its name to the end). */
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<Outcome>>();
  private hosts = new Map<string, LookupAddress[]>();
  /** False until the hosts file was read (or found missing) once. */
  private hostsReady = false;
  private hostsLoading: Promise<void> | null = null;
  private hostsCheckedAt = -Infinity;
  private hostsMtimeMs: number | null = null;
  private closed = false;

  constructor(private readonly options: DnsResolverOptions) {
    this.now = options.now ?? Date.now;
    this.resolver = new dns.promises.Resolver({ timeout: perTryTimeoutMs(options.timeoutMs, options.tries), tries: options.tries });
    if (options.servers && options.servers.length > 0) this.resolver.setServers([...options.servers]);
  }

  /** Every address of a name (IPv4 first), or a DnsTimeoutError / DnsLookupError. */
  async lookup(hostname: string): Promise<LookupAddress[]> {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    const family = net.isIP(name);
    if (family !== 0) return [{ address: name, family }];
    const listed = (await this.hostsTable()).get(name);
    if (listed) return listed.map((a) => ({ ...a }));
    if (name === 'localhost' || name.endsWith('.localhost')) return LOCALHOST.map((a) => ({ ...a }));
    const cached = this.cached(name);
    const outcome = cached?.outcome ?? (await this.query(name));
    if ('error' in outcome) throw this.fresh(outcome.error, cached);
    return outcome.addresses.map((a) => ({ ...a }));
  }

  /** The same lookup in the callback shape net.connect's guarded lookup takes. */
  readonly resolve: Resolver = (hostname, callback) => {
    this.lookup(hostname).then(
      (addresses) => callback(null, addresses),
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };

  /** Names in the cache now (expired ones included until they are looked up or pushed out). */
  get cacheSize(): number {
    return this.cache.size;
  }

  /** Cancels the queries in flight (they fail with ECANCELLED); for shutdown. */
  close(): void {
    this.closed = true;
    this.resolver.cancel();
  }

  private cached(name: string): CacheEntry | undefined {
    const entry = this.cache.get(name);
    if (!entry) return undefined;
    this.cache.delete(name);
    if (entry.expiresAt <= this.now()) return undefined;
    this.cache.set(name, entry);
    return entry;
  }

  private remember(name: string, outcome: Outcome, ttlMs: number): void {
    const keepMs = Math.min(ttlMs, this.options.maxTtlMs);
    this.cache.delete(name);
    if (keepMs <= 0 || this.options.cacheMax <= 0 || this.closed) return;
    const at = this.now();
    this.cache.set(name, { outcome, at, expiresAt: at + keepMs });
    while (this.cache.size > this.options.cacheMax) this.cache.delete(this.cache.keys().next().value!);
  }

  /** A remembered failure is thrown as a new error that says it was remembered, and from how long ago. */
  private fresh(error: DnsTimeoutError | DnsLookupError, cached: CacheEntry | undefined): Error {
    if (!cached || !(error instanceof DnsTimeoutError)) return error;
    return new DnsTimeoutError(error.hostname, error.timeoutMs, Math.max(0, this.now() - cached.at));
  }

  /**
   * One query per name at a time: later lookups of the name wait for the one in flight. It ends
   * at the deadline at the latest; c-ares may still answer after it, and a late answer is kept
   * (a retry then finds it), but a late failure does not replace the timeout.
   */
  private query(name: string): Promise<Outcome> {
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const query = new Promise<Outcome>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        const error = new DnsTimeoutError(name, this.options.timeoutMs);
        this.remember(name, { error }, this.options.errorTtlMs);
        resolve({ error });
      }, this.options.timeoutMs);
      timer.unref();
      this.ask(name).then(({ outcome, ttlMs }) => {
        if (settled && 'error' in outcome) return;
        this.remember(name, outcome, ttlMs);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      });
    }).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, query);
    return query;
  }

  /** A and AAAA at once; never rejects. */
  private async ask(name: string): Promise<{ outcome: Outcome; ttlMs: number }> {
    const [a, aaaa] = await Promise.all([this.family(this.resolver.resolve4(name, { ttl: true })), this.family(this.resolver.resolve6(name, { ttl: true }))]);
    const records = [...('records' in a ? a.records.map((r) => ({ r, family: 4 })) : []), ...('records' in aaaa ? aaaa.records.map((r) => ({ r, family: 6 })) : [])];
    if (records.length > 0) {
      // One family failing (not merely empty) is retried soon: the other family's answer is kept only as long as a failure.
      const partial = 'failure' in a || 'failure' in aaaa;
      const ttlMs = Math.min(...records.map(({ r }) => r.ttl * 1000), partial ? this.options.errorTtlMs : Infinity);
      return { outcome: { addresses: records.map(({ r, family }) => ({ address: r.address, family })) }, ttlMs };
    }
    const failures = [a, aaaa].flatMap((x) => ('failure' in x ? [x.failure] : []));
    if (failures.includes('ETIMEOUT')) return { outcome: { error: new DnsTimeoutError(name, this.options.timeoutMs) }, ttlMs: this.options.errorTtlMs };
    if (failures.length > 0) return { outcome: { error: new DnsLookupError(name, failures[0]!) }, ttlMs: this.options.errorTtlMs };
    if (this.options.systemFallback) return this.askSystem(name);
    return { outcome: { error: new DnsLookupError(name, 'ENOTFOUND') }, ttlMs: this.options.errorTtlMs };
  }

  private async family(query: Promise<dns.RecordWithTtl[]>): Promise<FamilyAnswer> {
    try {
      return { records: await query };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EDNS';
      return NO_ADDRESS.has(code) ? { records: [] } : { failure: code };
    }
  }

  /** getaddrinfo, for names c-ares does not know (search domains, NSS sources); its answers have no TTL, so they are kept for the cap. */
  private async askSystem(name: string): Promise<{ outcome: Outcome; ttlMs: number }> {
    try {
      const addresses = await (this.options.systemLookup ?? systemLookup)(name);
      if (addresses.length > 0) return { outcome: { addresses }, ttlMs: this.options.maxTtlMs };
      return { outcome: { error: new DnsLookupError(name, 'ENOTFOUND') }, ttlMs: this.options.errorTtlMs };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EDNS';
      return { outcome: { error: new DnsLookupError(name, code === 'EAI_NONAME' || code === 'EAI_NODATA' ? 'ENOTFOUND' : code) }, ttlMs: this.options.errorTtlMs };
    }
  }

  /**
   * The hosts file's table. Only the first lookup waits for it to be read; after that a lookup
   * at most starts a check in the background, every HOSTS_RECHECK_MS, and re-reads it when its
   * modification time changed. A missing or unreadable file is an empty table.
   */
  private async hostsTable(): Promise<Map<string, LookupAddress[]>> {
    if (!this.hostsReady) await (this.hostsLoading ??= this.loadHosts());
    else if (this.now() - this.hostsCheckedAt >= HOSTS_RECHECK_MS) this.hostsLoading ??= this.loadHosts();
    return this.hosts;
  }

  private async loadHosts(): Promise<void> {
    const file = this.options.hostsFile ?? '/etc/hosts';
    this.hostsCheckedAt = this.now();
    try {
      const { mtimeMs } = await stat(file);
      if (mtimeMs !== this.hostsMtimeMs) {
        this.hosts = parseHostsFile(await readFile(file, 'utf8'));
        this.hostsMtimeMs = mtimeMs;
      }
    } catch {
      this.hosts = new Map();
      this.hostsMtimeMs = null;
    } finally {
      this.hostsReady = true;
      this.hostsLoading = null;
    }
  }
}
