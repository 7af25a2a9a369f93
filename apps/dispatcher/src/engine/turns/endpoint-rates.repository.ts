import { Injectable } from '@nestjs/common';
import { prepared } from '@switchyard/db';
import { PreparedSql } from '../common/prepared-sql.js';

const RATE_OF = prepared(`SELECT COALESCE(e.rate_limit, a.rate_limit) AS rate_limit FROM endpoints e JOIN applications a ON a.id = e.app_id WHERE e.id = $1`);

/** The statement behind EndpointRates (CONTRIBUTING.md, "Reach the database"). */
@Injectable()
export class EndpointRatesRepository {
  constructor(private readonly sql: PreparedSql) {}

  /** The endpoint's effective rateLimit: its own, else its application's (null: none, or no such endpoint). */
  async rateOf(endpointId: string): Promise<number | null> {
    const rows = await this.sql.run<{ rate_limit: number | null }>(RATE_OF, [endpointId]);
    return rows[0]?.rate_limit ?? null;
  }
}
