import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { EndpointEntity, endpointSecretContext, EndpointSecretEntity, isUniqueViolation, prepared, runPreparedIn, SecretBox } from '@switchyard/db';
import { isId, newId } from '@switchyard/events';
import { generateWebhookSecret, isValidWebhookSecret } from '@switchyard/signing';
import { DataSource, IsNull, MoreThan, type EntityManager } from 'typeorm';
import { conflict, notFound, unprocessable } from './api-error.js';
import { ID_CURSOR, paginate, type ListResponse, type PageRequest } from './pagination.js';

/** Injection token of the SecretBox that seals endpoint and source secrets at rest. */
export const SECRET_BOX = Symbol('SECRET_BOX');

/** Svix keeps at most this many secrets per endpoint during overlapping rotations. */
export const MAX_ENDPOINT_SECRETS = 10;
/** Longest grace period a rotation may give the old secret (7 days, as Svix). */
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 3600;
export const DEFAULT_GRACE_PERIOD_SECONDS = 24 * 3600;

/** Header names whose values the headers API never returns (listed under `sensitive`). */
export const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key', 'x-auth-token']);

/** Headers an endpoint may not set: the signature, framing, and what the dispatcher owns. */
const RESERVED_HEADERS = /^(webhook-|svix-)|^(host|content-length|content-type|transfer-encoding|connection|keep-alive|upgrade|te|trailer|user-agent|expect)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const MAX_HEADERS = 50;
const MAX_HEADER_VALUE = 4096;

/** The fields an endpoint row is made of, as the API layer validated them. */
export interface EndpointFields {
  url: string;
  uid?: string | null;
  description?: string;
  disabled?: boolean;
  rateLimit?: number | null;
  filterTypes?: string[] | null;
  channels?: string[] | null;
  metadata?: Record<string, string>;
  version?: number | null;
}

/** Checks a URL is an absolute http(s) URL; returns it normalized, or throws a 422. */
export function checkEndpointUrl(url: string, loc: (string | number)[] = ['body', 'url']): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw unprocessable(loc, 'url must be an absolute URL', 'url_parsing');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw unprocessable(loc, 'url must use http or https', 'url_scheme');
  if (url.length > 2048) throw unprocessable(loc, 'url is longer than 2048 characters', 'url_too_long');
  if (parsed.username || parsed.password) throw unprocessable(loc, 'url must not carry credentials; use headers', 'url_credentials');
  return url;
}

/** Validates custom delivery headers; throws a 422 naming the first bad one. */
export function checkEndpointHeaders(headers: Record<string, string>, loc: (string | number)[] = ['body', 'headers']): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) throw unprocessable(loc, `at most ${MAX_HEADERS} headers`);
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) throw unprocessable([...loc, name], 'not a valid header name');
    if (RESERVED_HEADERS.test(name)) throw unprocessable([...loc, name], 'this header is set by the dispatcher and cannot be overridden');
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE || /[\r\n\0]/.test(value)) throw unprocessable([...loc, name], 'not a valid header value');
    out[name] = value;
  }
  return out;
}

/** The headers API view: values of sensitive headers are withheld and their names listed. */
export function headersView(headers: Record<string, string>): { headers: Record<string, string>; sensitive: string[] } {
  const visible: Record<string, string> = {};
  const sensitive: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (SENSITIVE_HEADERS.has(name.toLowerCase())) sensitive.push(name);
    else visible[name] = value;
  }
  return { headers: visible, sensitive };
}

/** Serializes rotations of one endpoint (inside the rotation's transaction). */
const LOCK_ENDPOINT = prepared('SELECT id FROM endpoints WHERE id = $1 FOR UPDATE');
const DROP_EXPIRED_SECRETS = prepared(`DELETE FROM endpoint_secrets WHERE endpoint_id = $1 AND expires_at IS NOT NULL AND expires_at <= now()`);
const EXPIRE_CURRENT_SECRET = prepared(`UPDATE endpoint_secrets SET expires_at = $2 WHERE endpoint_id = $1 AND expires_at IS NULL`);
const DROP_SECRETS_BEYOND = prepared(
  `DELETE FROM endpoint_secrets WHERE id IN (
     SELECT id FROM endpoint_secrets WHERE endpoint_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2)`,
);

/** Secrets may be given without Svix's `whsec_` prefix (as Svix allows); they are stored and returned with it. */
export function withSecretPrefix(secret: string): string {
  return secret.startsWith('whsec_') ? secret : `whsec_${secret}`;
}

/**
 * Endpoints of an application and their secrets and headers: the one place that writes them,
 * used by the dispatcher's endpoint API and the gateway's ingest-endpoint API alike.
 */
@Injectable()
export class EndpointStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  /** Creates an endpoint with its first secret (the given one, or a new one). */
  async create(appId: string, fields: EndpointFields & { secret?: string | null; headers?: Record<string, string> | null }): Promise<EndpointEntity> {
    checkEndpointUrl(fields.url);
    const headers = fields.headers ? checkEndpointHeaders(fields.headers) : {};
    const secret = fields.secret ? withSecretPrefix(fields.secret) : generateWebhookSecret();
    if (!isValidWebhookSecret(secret)) throw unprocessable(['body', 'secret'], 'secret must be whsec_ followed by base64 of 24 to 64 bytes');
    try {
      return await this.dataSource.transaction(async (manager) => {
        const endpoint = manager.create(EndpointEntity, {
          id: newId('ep'),
          appId,
          uid: fields.uid ?? null,
          url: fields.url,
          description: fields.description ?? '',
          disabled: fields.disabled ?? false,
          rateLimit: fields.rateLimit ?? null,
          filterTypes: fields.filterTypes?.length ? fields.filterTypes : null,
          channels: fields.channels?.length ? fields.channels : null,
          metadata: fields.metadata ?? {},
          version: fields.version ?? 1,
          headers,
          firstFailureAt: null,
        });
        await manager.insert(EndpointEntity, endpoint);
        await manager.insert(EndpointSecretEntity, { endpointId: endpoint.id, secret: this.box.seal(secret, endpointSecretContext(endpoint.id)), expiresAt: null });
        return manager.findOneByOrFail(EndpointEntity, { id: endpoint.id });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('an endpoint with this uid already exists');
      throw error;
    }
  }

  /** Finds an endpoint of the application by id or uid, or throws 404. */
  async find(appId: string, idOrUid: string, manager: EntityManager = this.dataSource.manager): Promise<EndpointEntity> {
    const where = isId('ep', idOrUid) ? { appId, id: idOrUid } : { appId, uid: idOrUid };
    const endpoint = await manager.findOneBy(EndpointEntity, where);
    if (!endpoint) throw notFound('endpoint');
    return endpoint;
  }

  /** One page of the application's endpoints. */
  list<T>(appId: string, page: PageRequest, map: (e: EndpointEntity) => T): Promise<ListResponse<T>> {
    const qb = this.dataSource.getRepository(EndpointEntity).createQueryBuilder('e').where('e.app_id = :appId', { appId });
    return paginate(qb, page, { column: 'e.id', key: (e) => e.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, map);
  }

  /** Writes changed fields of an endpoint (only those given). */
  async update(endpoint: EndpointEntity, changes: Partial<EndpointFields> & { secret?: string | null }): Promise<EndpointEntity> {
    if (changes.url !== undefined) checkEndpointUrl(changes.url);
    const { secret, ...fields } = changes;
    const next: Partial<EndpointEntity> = {};
    for (const [key, value] of Object.entries(fields) as [keyof EndpointFields, unknown][]) {
      if (value === undefined) continue;
      if (key === 'filterTypes' || key === 'channels') next[key] = (value as string[] | null)?.length ? (value as string[]) : null;
      else if (key === 'version') next.version = (value as number | null) ?? 1;
      else (next as Record<string, unknown>)[key] = value;
    }
    if (fields.disabled === false && endpoint.disabled) next.firstFailureAt = null;
    try {
      await this.dataSource.transaction(async (manager) => {
        if (Object.keys(next).length > 0) await manager.update(EndpointEntity, { id: endpoint.id }, next);
        if (secret) await this.rotateSecretWith(manager, endpoint.id, withSecretPrefix(secret), 0);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('an endpoint with this uid already exists');
      throw error;
    }
    return this.dataSource.manager.findOneByOrFail(EndpointEntity, { id: endpoint.id });
  }

  /** Deletes an endpoint with its secrets, deliveries and attempts. */
  async remove(endpoint: EndpointEntity): Promise<void> {
    await this.dataSource.manager.delete(EndpointEntity, { id: endpoint.id });
  }

  /** The current signing secret, in clear. */
  async currentSecret(endpointId: string): Promise<string> {
    const row = await this.dataSource.manager.findOne(EndpointSecretEntity, { where: { endpointId, expiresAt: IsNull() }, order: { createdAt: 'DESC', id: 'DESC' } });
    if (!row) throw notFound('endpoint secret');
    return this.box.open(row.secret, endpointSecretContext(endpointId));
  }

  /** Every secret that still signs (the current one and those in their grace period), in clear, newest first. */
  async activeSecrets(endpointId: string, now = new Date()): Promise<string[]> {
    const rows = await this.dataSource.manager.find(EndpointSecretEntity, {
      where: [
        { endpointId, expiresAt: IsNull() },
        { endpointId, expiresAt: MoreThan(now) },
      ],
      order: { createdAt: 'DESC', id: 'DESC' },
    });
    return rows.map((r) => this.box.open(r.secret, endpointSecretContext(endpointId)));
  }

  /**
   * Replaces the current secret (with the given key or a new one); the old one keeps signing
   * beside it for `gracePeriodSeconds`, so receivers that have not switched yet still verify.
   */
  async rotateSecret(endpointId: string, options: { key?: string | null; gracePeriodSeconds?: number | null } = {}): Promise<void> {
    const key = options.key ? withSecretPrefix(options.key) : generateWebhookSecret();
    if (!isValidWebhookSecret(key)) throw unprocessable(['body', 'key'], 'key must be whsec_ followed by base64 of 24 to 64 bytes');
    const grace = options.gracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
    if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_PERIOD_SECONDS) {
      throw unprocessable(['body', 'gracePeriodSeconds'], `gracePeriodSeconds must be 0 to ${MAX_GRACE_PERIOD_SECONDS}`);
    }
    await this.dataSource.transaction((manager) => this.rotateSecretWith(manager, endpointId, key, grace));
  }

  private async rotateSecretWith(manager: EntityManager, endpointId: string, key: string, graceSeconds: number): Promise<void> {
    if (!isValidWebhookSecret(key)) throw unprocessable(['body', 'secret'], 'secret must be whsec_ followed by base64 of 24 to 64 bytes');
    // Serialize rotations of one endpoint.
    await runPreparedIn(manager, LOCK_ENDPOINT, [endpointId]);
    const expiresAt = new Date(Date.now() + graceSeconds * 1000);
    await runPreparedIn(manager, DROP_EXPIRED_SECRETS, [endpointId]);
    await runPreparedIn(manager, EXPIRE_CURRENT_SECRET, [endpointId, expiresAt]);
    await manager.insert(EndpointSecretEntity, { endpointId, secret: this.box.seal(key, endpointSecretContext(endpointId)), expiresAt: null });
    // Bound the list: drop the oldest grace-period secrets beyond the cap.
    await runPreparedIn(manager, DROP_SECRETS_BEYOND, [endpointId, MAX_ENDPOINT_SECRETS]);
  }

  /** Replaces the endpoint's custom headers. Sensitive headers already set are kept unless named. */
  async replaceHeaders(endpoint: EndpointEntity, headers: Record<string, string>): Promise<void> {
    await this.dataSource.manager.update(EndpointEntity, { id: endpoint.id }, { headers: checkEndpointHeaders(headers) });
  }

  /** Adds or changes some headers and deletes others. */
  async patchHeaders(endpoint: EndpointEntity, headers: Record<string, string>, deleteHeaders: string[] = []): Promise<void> {
    const next = { ...endpoint.headers, ...checkEndpointHeaders(headers) };
    const doomed = new Set(deleteHeaders.map((h) => h.toLowerCase()));
    for (const name of Object.keys(next)) if (doomed.has(name.toLowerCase())) delete next[name];
    await this.dataSource.manager.update(EndpointEntity, { id: endpoint.id }, { headers: checkEndpointHeaders(next) });
  }
}
