import { performance } from 'node:perf_hooks';

/** Endpoints tracked at most (only rate-limited ones sending from this process are). */
const MAX_ENDPOINTS = 10_000;
/** How often a start waiting only on requests not yet written looks again. */
const PENDING_POLL_MS = 5;

/** A request of a rate-limited endpoint: not yet written to its socket (null), or when it was. */
interface Ticket {
  sentAt: number | null;
}

/** One admitted start: say when its request was written, and when it finished. */
export interface PaceTicket {
  /** The request's headers were written to the socket: the moment that counts. */
  sent(): void;
  /** The attempt is over; a request never written (refused, timed out connecting) never reached the endpoint and stops counting. */
  done(): void;
}

/**
 * The last guard of a rateLimit, in this process, on the moments requests are actually written
 * to their sockets: a request may start only while fewer than `perSecond` requests to its
 * endpoint were written in the last second or are still on their way to being written. The
 * scheduler's pacing (GCRA over every replica) spaces the starts; this catches what a late timer,
 * a slow claim or a connection being opened (the first request of a burst can take tens of ms
 * longer to leave than the next) would otherwise squeeze together at the receiver.
 */
export class RatePacer {
  private readonly tickets = new Map<string, Ticket[]>();
  /** The window a rateLimit counts in, plus RATE_LIMIT_MARGIN_MS of slack for jitter on the way to the receiver. */
  private readonly windowMs: number;

  constructor(marginMs: number) {
    this.windowMs = 1000 + marginMs;
  }

  async take(endpointId: string, perSecond: number): Promise<PaceTicket> {
    for (;;) {
      const now = performance.now();
      let list = this.tickets.get(endpointId);
      if (!list) {
        if (this.tickets.size >= MAX_ENDPOINTS) this.tickets.delete(this.tickets.keys().next().value!);
        list = [];
        this.tickets.set(endpointId, list);
      }
      const live = list.filter((t) => t.sentAt === null || t.sentAt > now - this.windowMs);
      if (live.length !== list.length) {
        list = live;
        this.tickets.set(endpointId, list);
      }
      if (list.length < perSecond) {
        const ticket: Ticket = { sentAt: null };
        list.push(ticket);
        const entries = list;
        return {
          sent: () => {
            ticket.sentAt ??= performance.now();
          },
          done: () => {
            if (ticket.sentAt !== null) return;
            const i = entries.indexOf(ticket);
            if (i >= 0) entries.splice(i, 1);
          },
        };
      }
      const oldestSent = Math.min(...list.map((t) => t.sentAt ?? Infinity));
      const waitMs = Number.isFinite(oldestSent) ? oldestSent + this.windowMs - now + 1 : PENDING_POLL_MS;
      await new Promise((r) => setTimeout(r, Math.max(1, waitMs)));
    }
  }
}
