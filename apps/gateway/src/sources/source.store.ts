import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiError, conflict, ID_CURSOR, notFound, paginate, SECRET_BOX, type ListResponse, type PageRequest, type ValidationIssue } from '@switchyard/api-kit';
import { ApplicationEntity, ApplicationKind, isUniqueViolation, prepared, runPrepared, SecretBox, SecretDecryptionError, sourceConfigContext, SourceEntity } from '@switchyard/db';
import { isId, newId } from '@switchyard/events';
import { LRUCache } from 'lru-cache';
import { DataSource, type EntityManager } from 'typeorm';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../config/gateway-settings.js';
import { configSecretValues, parseSourceConfig } from './source-types.js';

/** Bytes of randomness in an ingest token (192 bits), written as base64url. */
const TOKEN_BYTES = 24;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/;

/** A new unguessable ingest token. */
export function newIngestToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** True when the text could be an ingest token (cheap pre-check before a lookup). */
export function looksLikeToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

const FIND_BY_TOKEN = prepared(
  `SELECT id, uid, name, type, config, metadata, ingest_token AS "ingestToken", app_id AS "appId", created_at AS "createdAt", updated_at AS "updatedAt"
     FROM sources WHERE ingest_token = $1`,
);

export interface SourceFields {
  name: string;
  uid?: string | null;
  type: string;
  config?: Record<string, unknown> | null;
  metadata?: Record<string, string>;
}

/** Validates the type and config, answering 422 with one entry per bad field. */
function checkedConfig(type: string, config: unknown): Record<string, unknown> {
  const parsed = parseSourceConfig(type, config);
  if (parsed.ok) return parsed.config;
  const issues: ValidationIssue[] = parsed.issues.map((i) =>
    i.field === 'type'
      ? { loc: ['body', 'type'], msg: i.message, type: 'value_error.source_type' }
      : { loc: i.field ? ['body', 'config', i.field] : ['body', 'config'], msg: i.message, type: 'value_error' },
  );
  throw new ApiError(422, 'validation_error', issues[0]!.msg, issues);
}

/** A source as the ingress needs it: the row, its provider config in clear, and the credential values in it. */
export interface IngressSource {
  readonly source: SourceEntity;
  readonly config: Record<string, unknown>;
  /** What the request log must never show (see redact.ts). */
  readonly secretValues: readonly string[];
}

/**
 * The source exists but its config cannot be opened (a key missing from SECRET_ENCRYPTION_KEYS,
 * a config stored in clear while keys are set): the message says which and what to do.
 */
export class SourceConfigUnreadableError extends Error {
  constructor(
    readonly source: SourceEntity,
    cause: SecretDecryptionError,
  ) {
    super(`source ${source.id}: its config cannot be used: ${cause.message}`);
    this.name = 'SourceConfigUnreadableError';
  }
}

/**
 * Sources and their internal applications: the one place that writes them. Each source owns an
 * application (kind `source`) created and deleted with it, whose endpoints are the ingest endpoints.
 */

@Injectable()
export class SourceStore {
  /**
   * Ingest token → source, for the ingress's hot path: one PostgreSQL round trip and one
   * decryption fewer per request. Writes through this store drop the entry at once; another
   * gateway replica sees a rotated token, a changed config or a deleted source within
   * SOURCE_CACHE_TTL_MS. Unknown tokens are not cached.
   */
  private readonly byToken: LRUCache<string, IngressSource> | null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(GATEWAY_SETTINGS) settings: GatewaySettings,
  ) {
    this.byToken = settings.sourceCacheTtlMs > 0 ? new LRUCache({ max: settings.sourceCacheMax, ttl: settings.sourceCacheTtlMs }) : null;
  }

  /**
   * The source an ingest token belongs to, with its config opened, if any (cached: see byToken).
   * Throws SourceConfigUnreadableError when the source exists but its config cannot be opened.
   */
  async findForIngress(token: string): Promise<IngressSource | null> {
    const cached = this.byToken?.get(token);
    if (cached) return cached;
    const source = await this.findByToken(token);
    if (!source) return null;
    let config: Record<string, unknown>;
    try {
      config = this.openConfig(source);
    } catch (error) {
      if (error instanceof SecretDecryptionError) throw new SourceConfigUnreadableError(source, error);
      throw error;
    }
    const found = { source, config, secretValues: configSecretValues(source.type, config) };
    this.byToken?.set(token, found);
    return found;
  }

  private forget(source: SourceEntity): void {
    this.byToken?.delete(source.ingestToken);
  }

  /** Creates a source with its application in one transaction. */
  async create(fields: SourceFields): Promise<SourceEntity> {
    const config = checkedConfig(fields.type, fields.config);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const appId = newId('app');
        await manager.insert(ApplicationEntity, { id: appId, uid: null, name: `source: ${fields.name}`.slice(0, 256), kind: ApplicationKind.Source, rateLimit: null, metadata: {} });
        const id = newId('src');
        await manager.insert(SourceEntity, {
          id,
          uid: fields.uid ?? null,
          name: fields.name,
          type: fields.type,
          config: this.box.seal(JSON.stringify(config), sourceConfigContext(id)),
          metadata: fields.metadata ?? {},
          ingestToken: newIngestToken(),
          appId,
        });
        return manager.findOneByOrFail(SourceEntity, { id });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('a source with this uid already exists');
      throw error;
    }
  }

  /** Finds a source by id or uid, or throws 404. */
  async find(idOrUid: string, manager: EntityManager = this.dataSource.manager): Promise<SourceEntity> {
    const source = await manager.findOneBy(SourceEntity, isId('src', idOrUid) ? { id: idOrUid } : { uid: idOrUid });
    if (!source) throw notFound('source');
    return source;
  }

  /** The source an ingest token belongs to, if any. */
  async findByToken(token: string): Promise<SourceEntity | null> {
    if (!looksLikeToken(token)) return null;
    // The ingress's hot path: one prepared statement, no query building.
    const rows = await runPrepared<SourceEntity>(this.dataSource, FIND_BY_TOKEN, [token]);
    return rows[0] ?? null;
  }

  /** The source's provider config in clear. */
  openConfig(source: SourceEntity): Record<string, unknown> {
    return JSON.parse(this.box.open(source.config, sourceConfigContext(source.id))) as Record<string, unknown>;
  }

  /** One page of sources. */
  list<T>(page: PageRequest, map: (s: SourceEntity) => T): Promise<ListResponse<T>> {
    const qb = this.dataSource.getRepository(SourceEntity).createQueryBuilder('s');
    return paginate(qb, page, { column: 's.id', key: (s) => s.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, map);
  }

  /** Replaces a source's name, uid, type, config and metadata (PUT). */
  async update(source: SourceEntity, fields: SourceFields): Promise<SourceEntity> {
    const config = checkedConfig(fields.type, fields.config);
    this.forget(source);
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.update(
          SourceEntity,
          { id: source.id },
          { name: fields.name, uid: fields.uid ?? null, type: fields.type, config: this.box.seal(JSON.stringify(config), sourceConfigContext(source.id)), metadata: fields.metadata ?? {} },
        );
        await manager.update(ApplicationEntity, { id: source.appId }, { name: `source: ${fields.name}`.slice(0, 256) });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('a source with this uid already exists');
      throw error;
    }
    return this.dataSource.manager.findOneByOrFail(SourceEntity, { id: source.id });
  }

  /** Deletes a source, its request log, its application and everything the application holds. */
  async remove(source: SourceEntity): Promise<void> {
    this.forget(source);
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(SourceEntity, { id: source.id });
      await manager.delete(ApplicationEntity, { id: source.appId });
    });
  }

  /** Gives the source a new ingest token; the old one stops working at once here, and within SOURCE_CACHE_TTL_MS on other replicas. */
  async rotateToken(source: SourceEntity): Promise<SourceEntity> {
    this.forget(source);
    await this.dataSource.manager.update(SourceEntity, { id: source.id }, { ingestToken: newIngestToken() });
    return this.dataSource.manager.findOneByOrFail(SourceEntity, { id: source.id });
  }
}
