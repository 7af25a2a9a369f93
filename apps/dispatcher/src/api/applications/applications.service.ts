import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { conflict, ID_CURSOR, notFound, paginate, type ListResponse } from '@switchyard/api-kit';
import { ApplicationEntity, ApplicationKind, isUniqueViolation } from '@switchyard/db';
import { isId, newId } from '@switchyard/events';
import { DataSource, type EntityManager } from 'typeorm';
import type { Upserted } from '../common/upserted.js';
import { toApplicationOut, type ApplicationOut } from './application.mapper.js';
import type { ApplicationInDto, ApplicationListQueryDto, ApplicationPatchDto } from './dto/application.dto.js';

const SVIX_PLAY_URL = 'https://play.svix.com/%';

function duplicateUid(): Error {
  return conflict('An application with that id or uid already exists');
}

/**
 * Svix applications. Only rows of kind `app` exist for this API: the gateway's source
 * applications and the operational-webhooks application are internal and answer 404.
 */
@Injectable()
export class ApplicationsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The customer application with this id or uid, or a 404. */
  async findApp(idOrUid: string, manager: EntityManager = this.dataSource.manager): Promise<ApplicationEntity> {
    const app = await this.findAppOrNull(idOrUid, manager);
    if (!app) throw notFound('application');
    return app;
  }

  /** The customer application with this id or uid, if there is one. */
  findAppOrNull(idOrUid: string, manager: EntityManager = this.dataSource.manager): Promise<ApplicationEntity | null> {
    const where = isId('app', idOrUid) ? { id: idOrUid, kind: ApplicationKind.App } : { uid: idOrUid, kind: ApplicationKind.App };
    return manager.findOneBy(ApplicationEntity, where);
  }

  list(query: ApplicationListQueryDto): Promise<ListResponse<ApplicationOut>> {
    const qb = this.dataSource.getRepository(ApplicationEntity).createQueryBuilder('a').where('a.kind = :kind', { kind: ApplicationKind.App });
    if (query.exclude_apps_with_no_endpoints) qb.andWhere('EXISTS (SELECT 1 FROM endpoints e WHERE e.app_id = a.id)');
    if (query.exclude_apps_with_disabled_endpoints) qb.andWhere('NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.app_id = a.id AND e.disabled)');
    if (query.exclude_apps_with_svix_play_endpoints) {
      qb.andWhere('NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.app_id = a.id AND e.url LIKE :play)', { play: SVIX_PLAY_URL });
    }
    return paginate(qb, query, { column: 'a.id', key: (a) => a.id, cursorPattern: ID_CURSOR, defaultOrder: 'ascending' }, toApplicationOut);
  }

  /** Creates an application; with `getIfExists`, an existing one with the same uid is returned instead of a 409. */
  async create(dto: ApplicationInDto, getIfExists: boolean): Promise<Upserted<ApplicationOut>> {
    if (dto.uid) {
      const existing = await this.dataSource.manager.findOneBy(ApplicationEntity, { uid: dto.uid });
      if (existing) {
        if (getIfExists && existing.kind === ApplicationKind.App) return { value: toApplicationOut(existing), created: false };
        throw duplicateUid();
      }
    }
    try {
      return { value: toApplicationOut(await this.insert(dto)), created: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Lost a race with a concurrent create of the same uid.
      if (getIfExists && dto.uid) return { value: toApplicationOut(await this.findApp(dto.uid)), created: false };
      throw duplicateUid();
    }
  }

  async get(idOrUid: string): Promise<ApplicationOut> {
    return toApplicationOut(await this.findApp(idOrUid));
  }

  /**
   * Svix's PUT: replaces every field of the application, or creates it when the path names none.
   * A new application addressed by a uid path keeps that uid unless the body gives another.
   */
  async update(idOrUid: string, dto: ApplicationInDto): Promise<Upserted<ApplicationOut>> {
    const pathUid = isId('app', idOrUid) ? null : idOrUid;
    const app = await this.findAppOrNull(idOrUid);
    const fields: Partial<ApplicationEntity> = {
      name: dto.name,
      uid: dto.uid !== undefined ? dto.uid : pathUid,
      rateLimit: dto.throttleRate ?? dto.rateLimit ?? null,
      metadata: dto.metadata ?? {},
    };
    try {
      if (!app) return { value: toApplicationOut(await this.insert({ ...dto, uid: fields.uid })), created: true };
      return { value: toApplicationOut(await this.write(app.id, fields)), created: false };
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateUid();
      throw error;
    }
  }

  async patch(idOrUid: string, dto: ApplicationPatchDto): Promise<ApplicationOut> {
    const app = await this.findApp(idOrUid);
    const fields: Partial<ApplicationEntity> = {};
    if (dto.name !== undefined) fields.name = dto.name;
    if (dto.uid !== undefined) fields.uid = dto.uid;
    if (dto.throttleRate !== undefined) fields.rateLimit = dto.throttleRate;
    else if (dto.rateLimit !== undefined) fields.rateLimit = dto.rateLimit;
    if (dto.metadata !== undefined) fields.metadata = dto.metadata;
    if (Object.keys(fields).length === 0) return toApplicationOut(app);
    try {
      return toApplicationOut(await this.write(app.id, fields));
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateUid();
      throw error;
    }
  }

  /**
   * Deletes the application at once for the API: it becomes kind `deleted` (every read answers
   * 404, publishing to it too), gives up its uid (a new application may take it now) and its
   * endpoints are disabled (nothing more is sent). Its endpoints, messages, deliveries and
   * attempts are removed in the background, in bounded batches, by the retention sweep, so a
   * large application never makes this request (or one huge cascading DELETE) slow.
   */
  async remove(idOrUid: string): Promise<void> {
    const app = await this.findApp(idOrUid);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE applications SET kind = $2, uid = NULL, updated_at = now() WHERE id = $1 AND kind = $3`, [app.id, ApplicationKind.Deleted, ApplicationKind.App]);
      await manager.query(`UPDATE endpoints SET disabled = true, updated_at = now() WHERE app_id = $1 AND NOT disabled`, [app.id]);
    });
  }

  private async insert(dto: ApplicationInDto): Promise<ApplicationEntity> {
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

  private async write(id: string, fields: Partial<ApplicationEntity>): Promise<ApplicationEntity> {
    await this.dataSource.manager.update(ApplicationEntity, { id }, fields);
    return this.dataSource.manager.findOneByOrFail(ApplicationEntity, { id });
  }
}
