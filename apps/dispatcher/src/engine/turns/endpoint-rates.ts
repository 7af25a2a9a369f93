import { Injectable } from '@nestjs/common';
import { prepared } from '@switchyard/db';
import { PreparedSql } from '../common/prepared-sql.js';

/** How long a known rate is used without asking PostgreSQL; every claim refreshes it anyway. */
const TTL_MS = 30_000;
const MAX_ENDPOINTS = 10_000;

const RATE_OF = prepared(
  `SELECT COALESCE(e.rate_limit, a.rate_limit) AS rate_limit FROM endpoints e JOIN applications a ON a.id = e.app_id WHERE e.id = $1`,
);

/**
 * Each endpoint's effective rateLimit (its own, else its application's), which a turn needs
 * before it claims anything: remembered from the last claim of the endpoint (claims read it in
 * their own round trip), asked from PostgreSQL only for an endpoint this process has not claimed
 * from lately.
 */
@Injectable()
export class EndpointRates {
  private readonly known = new Map<string, { rate: number | null; at: number }>();

  constructor(private readonly sql: PreparedSql) {}

  async rateOf(endpointId: string): Promise<number | null> {
    const hit = this.known.get(endpointId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.rate;
    const rows = await this.sql.run<{ rate_limit: number | null }>(RATE_OF, [endpointId]);
    const rate = rows[0]?.rate_limit ?? null;
    this.remember(endpointId, rate);
    return rate;
  }

  /** What a claim read. */
  remember(endpointId: string, rate: number | null): void {
    this.known.delete(endpointId);
    if (this.known.size >= MAX_ENDPOINTS) this.known.delete(this.known.keys().next().value!);
    this.known.set(endpointId, { rate, at: Date.now() });
  }
}
