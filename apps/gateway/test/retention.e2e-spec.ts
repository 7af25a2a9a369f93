import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RetentionSweeper } from '@switchyard/db';
import { startTestGateway, type TestGateway } from './support/test-app.js';

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The gateway owns its request log and sweeps it itself (a gateway without a dispatcher stays bounded).
describe('request log retention', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway('retention', { REQUEST_LOG_RETENTION: '3s', RETENTION_SWEEP_INTERVAL: '1s', RETENTION_BATCH_SIZE: '5' });
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
    await eventually('the old requests to go', async () => (await t.requests(source.id)).length === 0);

    await post(source.ingestUrl!, 99);
    // A pass now removes nothing younger than the retention.
    const report = await t.app.get(RetentionSweeper).sweep();
    if (report.ran) expect(report.removed.inbound_requests).toBe(0);
    expect(await t.requests(source.id)).toHaveLength(1);

    const metrics = await (await fetch(`${t.adminUrl}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('switchyard_retention_removed_rows_total') && l.includes('table="inbound_requests"'));
    expect(Number(line?.split(' ').pop())).toBe(12);
  }, 30_000);
});
