import { Injectable } from '@nestjs/common';
import { conflict, notFound, unprocessable, type ListResponse } from '@switchyard/api-kit';
import { isUniqueViolation, type EventTypeEntity } from '@switchyard/db';
import { isValidEventTypeName } from '@switchyard/events';
import type { Upserted } from '../common/upserted.js';
import type { EventTypeInDto, EventTypeListQueryDto, EventTypePatchDto, EventTypeUpdateDto } from './dto/event-type.dto.js';
import { toEventTypeOut, type EventTypeOut } from './event-type.mapper.js';
import { EventTypesRepository } from './event-types.repository.js';

function exists(): Error {
  return conflict('An event_type with this name already exists', 'event_type_exists');
}

/** `featureFlags`, or the deprecated single `featureFlag`, as stored. */
function featureFlagsOf(dto: { featureFlag?: string | null; featureFlags?: string[] | null }): string[] | null | undefined {
  if (dto.featureFlags !== undefined) return dto.featureFlags?.length ? dto.featureFlags : null;
  if (dto.featureFlag !== undefined) return dto.featureFlag ? [dto.featureFlag] : null;
  return undefined;
}

/** Every column of an event type as a full write (create, PUT) sets it. */
function fullFields(dto: EventTypeUpdateDto): Partial<EventTypeEntity> {
  return {
    description: dto.description,
    archived: dto.archived ?? false,
    deprecated: dto.deprecated ?? false,
    featureFlags: featureFlagsOf(dto) ?? null,
    groupName: dto.groupName ?? null,
    schemas: dto.schemas ?? null,
  };
}

/** Svix event types: a catalogue of names with descriptions and example schemas. Delete archives. */
@Injectable()
export class EventTypesService {
  constructor(private readonly repository: EventTypesRepository) {}

  list(query: EventTypeListQueryDto): Promise<ListResponse<EventTypeOut>> {
    const withSchemas = query.with_content === true;
    return this.repository.list(query, (t) => toEventTypeOut(t, withSchemas));
  }

  /** Creates an event type; an archived one of the same name is brought back with the new fields (Svix). */
  async create(dto: EventTypeInDto): Promise<EventTypeOut> {
    const existing = await this.repository.find(dto.name);
    if (existing && !existing.archived) throw exists();
    if (existing) return toEventTypeOut(await this.repository.update(dto.name, fullFields(dto)));
    try {
      return toEventTypeOut(await this.repository.insert(dto.name, fullFields(dto)));
    } catch (error) {
      if (isUniqueViolation(error)) throw exists();
      throw error;
    }
  }

  async get(name: string): Promise<EventTypeOut> {
    return toEventTypeOut(await this.find(name));
  }

  /** Svix's PUT: replaces the event type, or creates it under the path's name. */
  async update(name: string, dto: EventTypeUpdateDto): Promise<Upserted<EventTypeOut>> {
    const existing = await this.repository.find(name);
    if (existing) return { value: toEventTypeOut(await this.repository.update(name, fullFields(dto))), created: false };
    if (!isValidEventTypeName(name)) throw unprocessable(['path', 'event_type_name'], "name must be letters, digits, '-', '_' and '.'");
    try {
      return { value: toEventTypeOut(await this.repository.insert(name, fullFields(dto))), created: true };
    } catch (error) {
      // A concurrent PUT created it first: apply ours as the update it now is.
      if (isUniqueViolation(error)) return { value: toEventTypeOut(await this.repository.update(name, fullFields(dto))), created: false };
      throw error;
    }
  }

  async patch(name: string, dto: EventTypePatchDto): Promise<EventTypeOut> {
    const existing = await this.find(name);
    const fields: Partial<EventTypeEntity> = {};
    if (dto.description !== undefined) fields.description = dto.description;
    if (dto.archived !== undefined) fields.archived = dto.archived;
    if (dto.deprecated !== undefined) fields.deprecated = dto.deprecated;
    const flags = featureFlagsOf(dto);
    if (flags !== undefined) fields.featureFlags = flags;
    if (dto.groupName !== undefined) fields.groupName = dto.groupName;
    if (dto.schemas !== undefined) fields.schemas = dto.schemas;
    if (Object.keys(fields).length === 0) return toEventTypeOut(existing);
    return toEventTypeOut(await this.repository.update(name, fields));
  }

  /** Archives the event type (Svix), or deletes it for good with `expunge`. */
  async remove(name: string, expunge: boolean): Promise<void> {
    await this.find(name);
    if (expunge) await this.repository.delete(name);
    else await this.repository.archive(name);
  }

  /**
   * Refuses (422, as Svix) an endpoint filter naming event types that do not exist or are
   * archived. Prefix filters (`user.*`, our extension) match whatever exists later and pass.
   */
  async assertFilterTypesExist(filterTypes: readonly string[] | null | undefined, loc: (string | number)[] = ['body', 'filterTypes']): Promise<void> {
    const names = [...new Set((filterTypes ?? []).filter((f) => !f.endsWith('*')))];
    if (names.length === 0) return;
    const known = new Set(await this.repository.existingNames(names));
    const missing = names.filter((n) => !known.has(n));
    if (missing.length > 0) throw unprocessable(loc, `The following event types don't exist: ${missing.join(', ')}`);
  }

  /** The event type with this name (archived or not), or a 404. */
  async find(name: string): Promise<EventTypeEntity> {
    const eventType = await this.repository.find(name);
    if (!eventType) throw notFound('event type');
    return eventType;
  }
}
