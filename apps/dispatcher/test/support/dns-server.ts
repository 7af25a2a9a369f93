import dgram from 'node:dgram';
import ipaddr from 'ipaddr.js';

/** How the server answers one name. */
export interface DnsRule {
  readonly a?: readonly string[];
  readonly aaaa?: readonly string[];
  /** Seconds, on every record. */
  readonly ttl?: number;
  /** Answer after this long. */
  readonly delayMs?: number;
  /** Keep the queries unanswered until release(name). */
  readonly hold?: boolean;
  /** Never answer (the resolver times out). */
  readonly drop?: boolean;
}

/** One question the server was asked. */
export interface DnsQuestion {
  readonly name: string;
  readonly type: 'A' | 'AAAA' | string;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE_NXDOMAIN = 3;

/**
 * A tiny authoritative name server for tests, on UDP 127.0.0.1 only: A and AAAA answers with
 * TTLs from a zone the test scripts (a name with no rule is NXDOMAIN; a rule without records of
 * the asked type is NODATA), answered at once, after a delay, when the test releases them, or
 * never. It records every question, so a test counts the queries that reached it. Hand-written
 * DNS wire format (RFC 1035 §4): one question per query, answers point back to it.
 */
export class TestDnsServer {
  readonly questions: DnsQuestion[] = [];
  private readonly held = new Map<string, (() => void)[]>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly zone: Map<string, DnsRule>,
  ) {
    socket.on('message', (query, peer) => this.answer(query, peer));
  }

  static async start(zone: Record<string, DnsRule> = {}): Promise<TestDnsServer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new TestDnsServer(socket, new Map(Object.entries(zone)));
  }

  /** `127.0.0.1:port`, as DNS_SERVERS takes it. */
  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  /** Sets (or replaces) how a name is answered. */
  set(name: string, rule: DnsRule): void {
    this.zone.set(name, rule);
  }

  /** Questions about a name (of one type, or of any). */
  count(name: string, type?: 'A' | 'AAAA'): number {
    return this.questions.filter((q) => q.name === name && (type === undefined || q.type === type)).length;
  }

  /** Queries about a name that are being held unanswered. */
  holding(name: string): number {
    return this.held.get(name)?.length ?? 0;
  }

  /** Answers the held queries about a name (and stops holding it). */
  release(name: string): void {
    const rule = this.zone.get(name);
    if (rule) this.zone.set(name, { ...rule, hold: false });
    for (const send of this.held.get(name) ?? []) send();
    this.held.delete(name);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.held.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer, peer: dgram.RemoteInfo): void {
    const parsed = parseQuestion(query);
    if (!parsed) return;
    const type = parsed.type === TYPE_A ? 'A' : parsed.type === TYPE_AAAA ? 'AAAA' : String(parsed.type);
    this.questions.push({ name: parsed.name, type });
    const rule = this.zone.get(parsed.name);
    if (rule?.drop) return;
    const addresses = rule ? ((parsed.type === TYPE_A ? rule.a : parsed.type === TYPE_AAAA ? rule.aaaa : undefined) ?? []) : [];
    const response = encodeResponse(query, parsed.questionEnd, rule ? 0 : RCODE_NXDOMAIN, parsed.type, addresses, rule?.ttl ?? 60);
    const send = () => this.socket.send(response, peer.port, peer.address);
    if (rule?.hold) {
      const list = this.held.get(parsed.name) ?? [];
      list.push(send);
      this.held.set(parsed.name, list);
    } else if (rule?.delayMs) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, rule.delayMs);
      this.timers.add(timer);
    } else {
      send();
    }
  }
}

/** The question of a query: lower-case name, type, and where the question section ends. */
function parseQuestion(query: Buffer): { name: string; type: number; questionEnd: number } | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < query.length && query[at] !== 0) {
    const length = query[at]!;
    labels.push(query.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  if (at + 5 > query.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(at + 1), questionEnd: at + 5 };
}

function encodeResponse(query: Buffer, questionEnd: number, rcode: number, type: number, addresses: readonly string[], ttl: number): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const recursionDesired = query.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8000 | 0x0400 | recursionDesired | 0x0080 | rcode, 2); // QR, AA, RD, RA, RCODE
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((address) => {
    const rdata = Buffer.from(ipaddr.parse(address).toByteArray());
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(type, 2);
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(ttl, 6);
    record.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([record, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
}
