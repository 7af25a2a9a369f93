import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ID_CURSOR, paginate, type ListResponse } from '@switchyard/api-kit';
import { ApplicationEntity, ApplicationKind } from '@switchyard/db';
import { newId } from '@switchyard/events';
import { DataSource } from 'typeorm';
import type { ApplicationInDto, ApplicationListQueryDto } from './dto/application.dto.js';

const SVIX_PLAY_URL = 'https://play.svix.com/%';

/** Every statement on `applications` the Svix API runs (CONTRIBUTING.md, "Reach the database"). */
@Injectable()
export class ApplicationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The customer application (kind `app`) with this id, or this uid. */
  findApp(by: { id: string } | { uid: string }): Promise<ApplicationEntity | null> {
    return this.dataSource.manager.findOneBy(ApplicationEntity, { ...by, kind: ApplicationKind.App });
  }

  /** The application of any kind holding this uid. */
  findByUid(uid: string): Promise<ApplicationEntity | null> {
    return this.dataSource.manager.findOneBy(ApplicationEntity, { uid });
  }

  /** A page of customer applications, by id, with the list's endpoint filters. */
  list<T>(query: ApplicationListQueryDto, map: (app: ApplicationEntity) => T): Promise<ListResponse<T>> {
    const qb = this.dataSource.getRepository(ApplicationEntity).createQueryBuilder('a').where('a.kind = :kind', { kind: ApplicationKind.App });
    if (query.exclude_apps_with_no_endpoints) qb.andWhere('EXISTS (SELECT 1 FROM endpoints e WHERE e.app_id = a.id)');
    if (query.exclude_apps_with_disabled_endpoints) qb.andWhere('NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.app_id = a.id AND e.disabled)');
    if (query.exclude_apps_with_svix_play_endpoints) {
      qb.andWhere('NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.app_id = a.id AND e.url LIKE :play)', { play: SVIX_PLAY_URL });
    }
    return paginate(qb, query, { column: 'a.id', key: (a) => a.id, cursorPattern: ID_CURSOR, defaultOrder: 'ascending' }, map);
  }

  /** Inserts a customer application; a taken uid fails with a unique violation. */
  async insert(dto: Pick<ApplicationInDto, 'uid' | 'name' | 'throttleRate' | 'rateLimit' | 'metadata'>): Promise<ApplicationEntity> {
    const app = this.dataSource.manager.create(ApplicationEntity, {
      id: newId('app'),
      uid: dto.uid ?? null,
      name: dto.name,
      kind: ApplicationKind.App,
      rateLimit: dto.throttleRate ?? dto.rateLimit ?? null,
      metadata: dto.metadata ?? {},
    });
    await this.dataSource.manager.insert(ApplicationEntity, app);
    return app;
  }

  /** Svix's inline `application` of a publish: inserted unless the uid is taken (by any kind). */
  async insertUnlessUidTaken(uid: string, app: Pick<ApplicationInDto, 'name' | 'throttleRate' | 'rateLimit' | 'metadata'>): Promise<void> {
    await this.dataSource.query(`INSERT INTO applications (id, uid, name, kind, rate_limit, metadata) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (uid) DO NOTHING`, [
      newId('app'),
      uid,
      app.name,
      ApplicationKind.App,
      app.throttleRate ?? app.rateLimit ?? null,
      app.metadata ?? {},
    ]);
  }

  /** Writes the fields and answers the application as stored. */
  async update(id: string, fields: Partial<ApplicationEntity>): Promise<ApplicationEntity> {
    await this.dataSource.manager.update(ApplicationEntity, { id }, fields);
    return this.dataSource.manager.findOneByOrFail(ApplicationEntity, { id });
  }

  /** The application becomes kind `deleted` without its uid, and its endpoints are disabled, in one transaction. */
  async markDeleted(appId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE applications SET kind = $2, uid = NULL, updated_at = now() WHERE id = $1 AND kind = $3`, [appId, ApplicationKind.Deleted, ApplicationKind.App]);
      await manager.query(`UPDATE endpoints SET disabled = true, updated_at = now() WHERE app_id = $1 AND NOT disabled`, [appId]);
    });
  }
}
