import { createCipheriv, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import {
  createDataSource,
  encryptionKeyId,
  endpointSecretContext,
  inventorySecrets,
  PlaintextSecretError,
  reseal,
  resealCommand,
  SecretBox,
  SecretDecryptionError,
  secretsAtRestNotices,
  sourceConfigContext,
} from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let db: TestDatabase;
let ds: DataSource;
let serial = 0;

beforeAll(async () => {
  db = await createTestDatabase('reseal');
  ds = createDataSource({ url: db.url, poolSize: 6 });
  await ds.initialize();
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});
beforeEach(async () => {
  // Each case starts from empty tables (sources first: they hold their application).
  await ds.query('DELETE FROM sources');
  await ds.query('DELETE FROM applications');
});

const key = () => randomBytes(32);
const prefixOf = (k: Buffer) => `enc:v2:${encryptionKeyId(k)}:`;

/** A value in the v1 form the previous release wrote (one key, no key id, no AAD). */
function sealV1(k: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `enc:v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

interface Seeded {
  endpoints: { id: string; secrets: string[] }[];
  sources: { id: string; config: string }[];
}

/** Rows as the apps write them: `count` endpoints (every other one with a second, older secret) and `count` sources. */
async function seed(box: SecretBox, count: number, sealAs: (plain: string, context: string) => string = (p, c) => box.seal(p, c)): Promise<Seeded> {
  const out: Seeded = { endpoints: [], sources: [] };
  for (let i = 0; i < count; i++) {
    const n = ++serial;
    const appId = `app_${String(n).padStart(26, '0')}`;
    await ds.query(`INSERT INTO applications (id, name) VALUES ($1, 'reseal test')`, [appId]);
    const epId = `ep_${String(n).padStart(26, '0')}`;
    await ds.query(`INSERT INTO endpoints (id, app_id, url) VALUES ($1, $2, 'https://example.test/hook')`, [epId, appId]);
    const secrets = [`whsec_${randomBytes(24).toString('base64')}`, ...(i % 2 === 0 ? [`whsec_${randomBytes(24).toString('base64')}`] : [])];
    for (const secret of secrets) {
      await ds.query(`INSERT INTO endpoint_secrets (endpoint_id, secret) VALUES ($1, $2)`, [epId, sealAs(secret, endpointSecretContext(epId))]);
    }
    out.endpoints.push({ id: epId, secrets });
    const srcApp = `app_s${String(n).padStart(25, '0')}`;
    await ds.query(`INSERT INTO applications (id, name, kind) VALUES ($1, 'source', 'source')`, [srcApp]);
    const srcId = `src_${String(n).padStart(26, '0')}`;
    const config = JSON.stringify({ secret: `src-secret-${randomBytes(8).toString('hex')}` });
    await ds.query(`INSERT INTO sources (id, name, type, config, ingest_token, app_id) VALUES ($1, 's', 'github', $2, $3, $4)`, [
      srcId,
      sealAs(config, sourceConfigContext(srcId)),
      randomBytes(24).toString('base64url'),
      srcApp,
    ]);
    out.sources.push({ id: srcId, config });
  }
  return out;
}

async function storedSecrets(): Promise<{ id: string; endpoint_id: string; secret: string }[]> {
  return ds.query('SELECT id, endpoint_id, secret FROM endpoint_secrets ORDER BY id');
}
async function storedConfigs(): Promise<{ id: string; config: string }[]> {
  return ds.query('SELECT id, config FROM sources ORDER BY id');
}

/** Opens every stored value with the box and checks it against what was seeded. */
async function expectAllOpen(box: SecretBox, seeded: Seeded): Promise<void> {
  const secrets = await storedSecrets();
  const expected = seeded.endpoints.flatMap((e) => e.secrets.map((s) => [e.id, s] as const));
  expect(secrets.map((r) => [r.endpoint_id, box.open(r.secret, endpointSecretContext(r.endpoint_id))])).toEqual(expected);
  const configs = await storedConfigs();
  expect(configs.map((r) => box.open(r.config, sourceConfigContext(r.id)))).toEqual(seeded.sources.map((s) => s.config));
}

describe('reseal and key rotation (real PostgreSQL)', () => {
  it('rotates A → [B, A] → reseal → [B]: old rows open during the rotation, reseal moves every row to B, then B alone opens everything', async () => {
    const [a, b] = [key(), key()];
    const boxA = new SecretBox([a]);
    const seeded = await seed(boxA, 7);
    // One row in the v1 form of the previous release, sealed with A.
    const legacy = await seed(boxA, 1, (plain) => sealV1(a, plain));
    const all: Seeded = { endpoints: [...seeded.endpoints, ...legacy.endpoints], sources: [...seeded.sources, ...legacy.sources] };
    const secretRows = all.endpoints.reduce((n, e) => n + e.secrets.length, 0);

    const rotating = new SecretBox([b, a]);
    await expectAllOpen(rotating, all);
    // New writes during the rotation are sealed with B.
    const written = await seed(rotating, 1);
    all.endpoints.push(...written.endpoints);
    all.sources.push(...written.sources);
    const writtenSecrets = written.endpoints[0]!.secrets.length;

    const before = await inventorySecrets(ds, rotating);
    expect(before.map((c) => [c.table, c.total, c.current, c.otherKey, c.plaintext, c.unreadable])).toEqual([
      ['endpoint_secrets', secretRows + writtenSecrets, writtenSecrets, secretRows, 0, 0],
      ['sources', 9, 1, 8, 0, 0],
    ]);
    expect(secretsAtRestNotices(rotating, before).map((n) => n.level)).toEqual(['info', 'info']);
    expect(secretsAtRestNotices(rotating, before)[1]!.message).toMatch(/older key.*run pnpm db:reseal.* before removing it/);

    const results = await reseal(ds, rotating, { batchSize: 3 });
    expect(results.map((r) => [r.table, r.total, r.alreadyCurrent, r.resealed, r.unreadableIds.length])).toEqual([
      ['endpoint_secrets', secretRows + writtenSecrets, writtenSecrets, secretRows, 0],
      ['sources', 9, 1, 8, 0],
    ]);
    for (const r of await storedSecrets()) expect(r.secret.startsWith(prefixOf(b))).toBe(true);
    for (const r of await storedConfigs()) expect(r.config.startsWith(prefixOf(b))).toBe(true);

    const onlyB = new SecretBox([b]);
    await expectAllOpen(onlyB, all);
    expect((await inventorySecrets(ds, onlyB)).map((c) => c.current === c.total)).toEqual([true, true]);
    // A alone no longer opens anything.
    const [first] = await storedSecrets();
    expect(() => boxA.open(first!.secret, endpointSecretContext(first!.endpoint_id))).toThrow(SecretDecryptionError);
  });

  it('is idempotent: a second run reseals nothing and reports every row as already sealed', async () => {
    const [a, b] = [key(), key()];
    await seed(new SecretBox([a]), 4);
    const box = new SecretBox([b, a]);
    const first = await reseal(ds, box, { batchSize: 2 });
    expect(first.map((r) => r.resealed)).toEqual([6, 4]);
    const snapshot = [await storedSecrets(), await storedConfigs()];
    const second = await reseal(ds, box, { batchSize: 2 });
    expect(second.map((r) => [r.total, r.alreadyCurrent, r.resealed, r.unreadableIds.length])).toEqual([
      [6, 6, 0, 0],
      [4, 4, 0, 0],
    ]);
    expect([await storedSecrets(), await storedConfigs()]).toEqual(snapshot);
  });

  it('with keys refuses rows stored in clear until resealed; a dry run counts them and changes nothing', async () => {
    const seeded = await seed(new SecretBox(), 3);
    const k = key();
    const box = new SecretBox([k]);
    const [row] = await storedSecrets();
    expect(() => box.open(row!.secret, endpointSecretContext(row!.endpoint_id))).toThrow(PlaintextSecretError);

    const inventory = await inventorySecrets(ds, box);
    expect(inventory.map((c) => c.plaintext)).toEqual([5, 3]);
    const notices = secretsAtRestNotices(box, inventory);
    expect(notices).toContainEqual({ level: 'error', message: expect.stringMatching(/stored in clear are refused.*endpoint secrets: 5, source configs: 3.*pnpm db:reseal/) });
    for (const n of notices) for (const e of seeded.endpoints) for (const s of e.secrets) expect(n.message).not.toContain(s);

    const snapshot = await storedSecrets();
    const dry = await reseal(ds, box, { dryRun: true });
    expect(dry.map((r) => r.resealed)).toEqual([5, 3]);
    expect(await storedSecrets()).toEqual(snapshot);

    await reseal(ds, box);
    await expectAllOpen(box, seeded);
    for (const r of await storedSecrets()) expect(r.secret).not.toMatch(/whsec_/);
  });

  it('leaves rows it cannot open as they were and reports their ids: a key not configured, a value moved to another row', async () => {
    const [a, stranger] = [key(), key()];
    const boxA = new SecretBox([a]);
    const good = await seed(boxA, 2);
    const foreign = await seed(new SecretBox([stranger]), 1);
    // A sealed secret copied from one endpoint to another does not open there (the AAD names its endpoint).
    const [victim, other] = good.endpoints;
    const [stolen] = (await ds.query('SELECT secret FROM endpoint_secrets WHERE endpoint_id = $1 LIMIT 1', [victim!.id])) as { secret: string }[];
    const [{ id: movedId }] = (await ds.query('INSERT INTO endpoint_secrets (endpoint_id, secret) VALUES ($1, $2) RETURNING id', [other!.id, stolen!.secret])) as [{ id: string }];

    const box = new SecretBox([key(), a]);
    const inventory = await inventorySecrets(ds, box);
    expect(inventory[0]!.unreadable).toBe(foreign.endpoints[0]!.secrets.length);
    expect(inventory[0]!.unreadableKeyIds).toEqual([encryptionKeyId(stranger)]);
    expect(secretsAtRestNotices(box, inventory)).toContainEqual({ level: 'error', message: expect.stringContaining(`key ids ${encryptionKeyId(stranger)}`) });

    const foreignRows = ((await ds.query('SELECT id FROM endpoint_secrets WHERE endpoint_id = $1 ORDER BY id', [foreign.endpoints[0]!.id])) as { id: string }[]).map((r) => String(r.id));
    const [{ config: foreignConfig }] = (await ds.query('SELECT config FROM sources WHERE id = $1', [foreign.sources[0]!.id])) as [{ config: string }];
    const results = await reseal(ds, box);
    expect(results[0]!.unreadableIds).toEqual([...foreignRows, String(movedId)].sort((x, y) => Number(x) - Number(y)));
    expect(results[1]!.unreadableIds).toEqual([foreign.sources[0]!.id]);
    expect(results.map((r) => r.resealed)).toEqual([3, 2]);
    const [{ config: after }] = (await ds.query('SELECT config FROM sources WHERE id = $1', [foreign.sources[0]!.id])) as [{ config: string }];
    expect(after).toBe(foreignConfig);
  });

  it('runs safely beside the apps and another reseal: no update is lost, every row ends sealed with the first key', async () => {
    const [a, b] = [key(), key()];
    const seeded = await seed(new SecretBox([a]), 12);
    const box = new SecretBox([b, a]);
    // An app rewriting source configs (sealed with the first key) while two reseals run.
    const latest = new Map(seeded.sources.map((s) => [s.id, s.config]));
    const writer = (async () => {
      for (let round = 0; round < 4; round++) {
        for (const s of seeded.sources) {
          const config = JSON.stringify({ secret: `rewritten-${round}-${s.id}` });
          await ds.transaction((m) => m.query('UPDATE sources SET config = $2 WHERE id = $1', [s.id, box.seal(config, sourceConfigContext(s.id))]));
          latest.set(s.id, config);
        }
      }
    })();
    const runs = await Promise.all([reseal(ds, box, { batchSize: 2 }), reseal(ds, box, { batchSize: 3 }), writer]);
    for (const run of [runs[0], runs[1]]) expect(run.flatMap((r) => r.unreadableIds)).toEqual([]);
    await expectAllOpen(box, { endpoints: seeded.endpoints, sources: seeded.sources.map((s) => ({ id: s.id, config: latest.get(s.id)! })) });
    const inventory = await inventorySecrets(ds, box);
    expect(inventory.map((c) => c.current === c.total)).toEqual([true, true]);
  });
});

describe('resealCommand', () => {
  const run = async (args: string[], env: Record<string, string | undefined>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await resealCommand(args, { DATABASE_URL: db.url, ...env }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  };

  it('prints counts and key ids only, and exits 0', async () => {
    const [a, b] = [key(), key()];
    const seeded = await seed(new SecretBox([a]), 2);
    const keys = `${b.toString('base64')},${a.toString('hex')}`;
    const dry = await run(['--dry-run'], { SECRET_ENCRYPTION_KEYS: keys });
    expect(dry.code).toBe(0);
    expect(dry.out.join('\n')).toMatch(/endpoint secrets \(endpoint_secrets\.secret\): 3 rows, 0 already sealed with key [0-9a-f]{16}, 3 to reseal, 0 unreadable/);
    const done = await run([], { SECRET_ENCRYPTION_KEYS: keys });
    expect(done).toMatchObject({ code: 0, err: [] });
    expect(done.out[0]).toContain(`sealing with key ${encryptionKeyId(b)}, opening with ${encryptionKeyId(b)}, ${encryptionKeyId(a)}`);
    expect(done.out.slice(1)).toEqual([
      `endpoint secrets (endpoint_secrets.secret): 3 rows, 0 already sealed with key ${encryptionKeyId(b)}, 3 resealed, 0 unreadable`,
      `source configs (sources.config): 2 rows, 0 already sealed with key ${encryptionKeyId(b)}, 2 resealed, 0 unreadable`,
    ]);
    const printed = [...dry.out, ...done.out, ...done.err].join('\n');
    for (const secret of [...seeded.endpoints.flatMap((e) => e.secrets), ...seeded.sources.map((s) => s.config), a.toString('base64'), a.toString('hex'), b.toString('base64')]) {
      expect(printed).not.toContain(secret);
    }
    const again = await run([], { SECRET_ENCRYPTION_KEY: b.toString('base64') });
    expect(again.out.slice(1).map((l) => / (\d+) resealed/.exec(l)![1])).toEqual(['0', '0']);
  });

  it('refuses to run without keys, with both settings, or with arguments it does not know', async () => {
    const k = key().toString('base64');
    expect(await run([], {})).toMatchObject({ code: 1, err: [expect.stringMatching(/nothing to seal with/)] });
    expect(await run([], { SECRET_ENCRYPTION_KEYS: k, SECRET_ENCRYPTION_KEY: k })).toMatchObject({ code: 1, err: [expect.stringMatching(/not both/)] });
    expect(await run(['--force'], { SECRET_ENCRYPTION_KEYS: k })).toMatchObject({ code: 2, err: [expect.stringMatching(/^usage: reseal/)] });
    expect(await run(['--batch-size=0'], { SECRET_ENCRYPTION_KEYS: k })).toMatchObject({ code: 2 });
  });

  it('exits 1 and names the rows it left when some cannot be opened', async () => {
    await seed(new SecretBox([key()]), 1);
    const result = await run([], { SECRET_ENCRYPTION_KEYS: key().toString('base64') });
    expect(result.code).toBe(1);
    expect(result.out.join('\n')).toMatch(/2 unreadable \(ids: \d+, \d+\)/);
    expect(result.err).toEqual([expect.stringMatching(/cannot be opened with any configured key/)]);
  });
});
