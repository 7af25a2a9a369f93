import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApplicationKind } from '@switchyard/db';
import type { DataSource } from 'typeorm';

/** The statement behind the operational-webhooks application (CONTRIBUTING.md, "Reach the database"). */
@Injectable()
export class OperationalWebhooksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The operational application's id, inserted as `newId` when there is none (at most one exists: a
   * partial unique index). Null when another process created it after this statement's snapshot was taken.
   */
  async findOrCreateApp(newId: string): Promise<string | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      `WITH created AS (
           INSERT INTO applications (id, name, kind, metadata) VALUES ($1, 'Operational webhooks', $2, '{}')
           ON CONFLICT (kind) WHERE kind = 'operational' DO NOTHING
           RETURNING id)
         SELECT id FROM created
         UNION ALL
         SELECT id FROM applications WHERE kind = $2
         LIMIT 1`,
      [newId, ApplicationKind.Operational],
    );
    return rows[0]?.id ?? null;
  }
}
