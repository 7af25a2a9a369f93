import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * The Svix API's statements for endpoints beyond the shared EndpointStore (@switchyard/api-kit),
 * which owns the `endpoints` rows (CONTRIBUTING.md, "Reach the database").
 */
@Injectable()
export class EndpointsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The endpoint's deliveries with an id in [fromId, toId) (created in that window), counted by status. */
  deliveryCountsByStatus(endpointId: string, fromId: string, toId: string): Promise<{ status: number; n: number }[]> {
    return this.dataSource.query(`SELECT status, count(*)::int AS n FROM deliveries WHERE endpoint_id = $1 AND id >= $2 AND id < $3 GROUP BY status`, [endpointId, fromId, toId]);
  }
}
