import type dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';

/**
 * The private-network guard of docs/api.md §5. The check runs inside undici's connect step on the
 * addresses the socket is actually opened to (after DNS resolution), so DNS rebinding between a
 * check and the connect cannot pass, and IP-literal URLs (which never reach `lookup`) are checked
 * too.
 */

/** Decides whether the dispatcher may connect to an address. */
export type AddressPolicy = (address: string) => boolean;

/**
 * The ipaddr.js range of an address (`unicast`, `loopback`, `private`, `linkLocal`,
 * `uniqueLocal`, `carrierGradeNat`, `unspecified`, …), or undefined if it is not an IP address.
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are classified as the IPv4 address they carry.
 */
export function addressRange(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return undefined;
  return ipaddr.process(bare).range();
}

/** True only for globally routable unicast addresses: everything docs/api.md §5 forbids is refused, and so is anything unknown. */
export function isPublicAddress(address: string): boolean {
  return addressRange(address) === 'unicast';
}

/** Allows every address (ALLOW_PRIVATE_NETWORKS=true). */
export const allowAnyAddress: AddressPolicy = () => true;

/** The connection was refused by the guard, before any byte was sent. */
export class EgressBlockedError extends Error {
  readonly code = 'ERR_EGRESS_BLOCKED';

  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`egress to ${host} (${address}, ${addressRange(address) ?? 'not an address'}) is blocked`);
    this.name = 'EgressBlockedError';
  }
}

/**
 * Answers every address of a name, in a callback (the DnsResolver's, see dns-resolver.ts; tests
 * inject their own).
 */
export type Resolver = (hostname: string, callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

/**
 * A `lookup` for net.connect that resolves every address of the name and fails the connection
 * if ANY of them is refused, rather than filtering: a mixed answer is how rebinding attacks hide.
 */
export function guardedLookup(allow: AddressPolicy, resolve: Resolver): net.LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, '', undefined);
      const family = options.family === 4 || options.family === 6 ? options.family : undefined;
      const usable = family ? addresses.filter((a) => a.family === family) : addresses;
      if (usable.length === 0) {
        const notFound: NodeJS.ErrnoException = Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND', hostname });
        return callback(notFound, '', undefined);
      }
      const refused = usable.find((a) => !allow(a.address));
      if (refused) return callback(new EgressBlockedError(hostname, refused.address), '', undefined);
      // Node's happy-eyeballs (autoSelectFamily) asks for every address at once.
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, usable);
      return callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

export interface GuardedConnectorOptions {
  readonly allow: AddressPolicy;
  readonly connectTimeoutMs: number;
  readonly resolve: Resolver;
}

/**
 * An undici connector that checks IP-literal hosts itself (net.connect skips `lookup` for them)
 * and resolves names through the guarded lookup; the hostname is kept for TLS SNI and
 * certificate checks. It runs for every new socket.
 */
export function guardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const connect = buildConnector({ timeout: options.connectTimeoutMs, lookup: guardedLookup(options.allow, options.resolve) });
  return (connectOptions, callback) => {
    const host = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
    if (net.isIP(host) !== 0 && !options.allow(host)) {
      callback(new EgressBlockedError(host, host), null);
      return;
    }
    connect(connectOptions, callback);
  };
}
