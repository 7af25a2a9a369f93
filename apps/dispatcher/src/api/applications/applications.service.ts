import { Injectable } from '@nestjs/common';
import { conflict, notFound, type ListResponse } from '@switchyard/api-kit';
import { ApplicationKind, isUniqueViolation, type ApplicationEntity } from '@switchyard/db';
import { isId } from '@switchyard/events';
import type { Upserted } from '../common/upserted.js';
import { toApplicationOut, type ApplicationOut } from './application.mapper.js';
import { ApplicationsRepository } from './applications.repository.js';
import type { ApplicationInDto, ApplicationListQueryDto, ApplicationPatchDto } from './dto/application.dto.js';

function duplicateUid(): Error {
  return conflict('An application with that id or uid already exists');
}

/**
 * Svix applications. Only rows of kind `app` exist for this API: the gateway's source
 * applications and the operational-webhooks application are internal and answer 404.
 */
@Injectable()
export class ApplicationsService {
  constructor(private readonly repository: ApplicationsRepository) {}

  /** The customer application with this id or uid, or a 404. */
  async findApp(idOrUid: string): Promise<ApplicationEntity> {
    const app = await this.findAppOrNull(idOrUid);
    if (!app) throw notFound('application');
    return app;
  }

  /** The customer application with this id or uid, if there is one. */
  findAppOrNull(idOrUid: string): Promise<ApplicationEntity | null> {
    return this.repository.findApp(isId('app', idOrUid) ? { id: idOrUid } : { uid: idOrUid });
  }

  list(query: ApplicationListQueryDto): Promise<ListResponse<ApplicationOut>> {
    return this.repository.list(query, toApplicationOut);
  }

  /** Creates an application; with `getIfExists`, an existing one with the same uid is returned instead of a 409. */
  async create(dto: ApplicationInDto, getIfExists: boolean): Promise<Upserted<ApplicationOut>> {
    if (dto.uid) {
      const existing = await this.repository.findByUid(dto.uid);
      if (existing) {
        if (getIfExists && existing.kind === ApplicationKind.App) return { value: toApplicationOut(existing), created: false };
        throw duplicateUid();
      }
    }
    try {
      return { value: toApplicationOut(await this.repository.insert(dto)), created: true };
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
      if (!app) return { value: toApplicationOut(await this.repository.insert({ ...dto, uid: fields.uid })), created: true };
      return { value: toApplicationOut(await this.repository.update(app.id, fields)), created: false };
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
      return toApplicationOut(await this.repository.update(app.id, fields));
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
    await this.repository.markDeleted(app.id);
  }
}
