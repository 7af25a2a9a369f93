import { Injectable } from '@nestjs/common';
import { EndpointRatesRepository } from './endpoint-rates.repository.js';

/** How long a known rate is used without asking PostgreSQL; every claim refreshes it anyway. */
const TTL_MS = 30_000;
const MAX_ENDPOINTS = 10_000;

/**
 * Each endpoint's effective rateLimit (its own, else its application's), which a turn needs
 * before it claims anything: remembered from the last claim of the endpoint (claims read it in
 * their own round trip), asked from PostgreSQL only for an endpoint this process has not claimed
 * from lately.
 */
@Injectable()
export class EndpointRates {
  private readonly known = new Map<string, { rate: number | null; at: number }>();

  constructor(private readonly repository: EndpointRatesRepository) {}

  async rateOf(endpointId: string): Promise<number | null> {
    const hit = this.known.get(endpointId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.rate;
    const rate = await this.repository.rateOf(endpointId);
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
