import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { partitionName, RetentionSweeper } from '@switchyard/db';
import { DataSource } from 'typeorm';
import { startTestGateway, type TestGateway } from './support/test-app.js';
import { until } from '@switchyard/testkit';

// The gateway owns its request log and sweeps it itself (a gateway without a dispatcher stays bounded).
describe('request log retention', () => {
  let t: TestGateway;
  beforeAll(async () => {
    // PARTITION_AHEAD past the three days the migration makes, so the sweep has partitions to add
    t = await startTestGateway('retention', { REQUEST_LOG_RETENTION: '3s', RETENTION_SWEEP_INTERVAL: '1s', RETENTION_BATCH_SIZE: '5', PARTITION_AHEAD: '6d' });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function post(ingestUrl: string, n: number): Promise<void> {
    const res = await fetch(t.localUrl(ingestUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'thing.happened', n }) });
    expect(res.status).toBeLessThan(300);
  }

  it('removes requests older than REQUEST_LOG_RETENTION, in batches, and keeps newer ones', async () => {
    const source = await t.svix.ingest.source.create({ name: 'log', type: 'generic-webhook', config: {} });
    for (let n = 0; n < 12; n++) await post(source.ingestUrl!, n);
    expect(await t.requests(source.id)).toHaveLength(12);
    await until('the old requests to go', async () => (await t.requests(source.id)).length === 0);

    await post(source.ingestUrl!, 99);
    // A pass now removes nothing younger than the retention.
    const report = await t.app.get(RetentionSweeper).sweep();
    if (report.ran) expect(report.removed.inbound_requests).toBe(0);
    expect(await t.requests(source.id)).toHaveLength(1);

    const metrics = await (await fetch(`${t.adminUrl}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('switchyard_retention_removed_rows_total') && l.includes('table="inbound_requests"'));
    expect(Number(line?.split(' ').pop())).toBe(12);
  }, 30_000);

  it('keeps the request log partitioned by day, with partitions PARTITION_AHEAD ahead, and a request lands in the partition of today', async () => {
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    const ds = t.app.get(DataSource);
    const partitions = async () =>
      ((await ds.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'inbound_requests'::regclass`)) as { relname: string }[]).map((r) => r.relname);
    await until('partitions six days ahead', async () => (await partitions()).includes(partitionName('inbound_requests', today + 6 * day)));
    const names = await partitions();
    for (const d of [0, 1, 2, 3, 4, 5, 6]) expect(names).toContain(partitionName('inbound_requests', today + d * day));
    expect(names).toContain('inbound_requests_default');
    const source = await t.svix.ingest.source.create({ name: 'parts', type: 'generic-webhook', config: {} });
    await post(source.ingestUrl!, 1);
    const homes = (await ds.query(`SELECT tableoid::regclass::text AS p FROM inbound_requests WHERE source_id = $1`, [source.id])) as { p: string }[];
    expect(homes.map((h) => h.p)).toEqual([partitionName('inbound_requests', Math.floor(Date.now() / day) * day)]);
  }, 30_000);
});
