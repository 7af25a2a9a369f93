import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase } from '@switchyard/db/testing';
const db = await createTestDatabase('probe-pub');
const env = { PATH: process.env.PATH, DATABASE_URL: db.url, QUEUE_PREFIX: `sy-probe-${randomBytes(3).toString('hex')}`, PORT: '47125', HOST: '127.0.0.1', ADMIN_API_KEY: 'sk_probe_0123456789abcdef0123', LOG_LEVEL: 'warn', ALLOW_PRIVATE_NETWORKS: 'true' };
const d = spawn('taskset', ['-c', '1', 'node', '--max-old-space-size=160', 'apps/dispatcher/dist/main.js'], { env, stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 2500));
const H = { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' };
const app = await (await fetch('http://127.0.0.1:47125/api/v1/app', { method: 'POST', headers: H, body: JSON.stringify({ name: 'x' }) })).json();
await fetch(`http://127.0.0.1:47125/api/v1/app/${app.id}/endpoint`, { method: 'POST', headers: H, body: JSON.stringify({ url: 'http://127.0.0.1:9/x' }) });
const pct = (a, p) => a.sort((x, y) => x - y)[Math.floor(p * (a.length - 1))].toFixed(1);
const lat = [];
for (let i = 0; i < 400; i++) {
  const t = performance.now();
  const r = await fetch(`http://127.0.0.1:47125/api/v1/app/${app.id}/msg`, { method: 'POST', headers: H, body: JSON.stringify({ eventType: 'a.b', payload: { i } }) });
  await r.text();
  lat.push(performance.now() - t);
  await new Promise((r) => setTimeout(r, 20));
}
console.log('publish p50', pct(lat, 0.5), 'p90', pct(lat, 0.9), 'p99', pct(lat, 0.99), 'max', pct(lat, 1));
const pool = new pg.Pool({ connectionString: db.url });
await pool.query('CREATE TABLE t (id serial, x text)');
const c = [];
for (let i = 0; i < 400; i++) { const t = performance.now(); await pool.query('INSERT INTO t (x) VALUES ($1)', ['x']); c.push(performance.now() - t); await new Promise((r) => setTimeout(r, 20)); }
console.log('insert+commit p50', pct(c, 0.5), 'p90', pct(c, 0.9), 'p99', pct(c, 0.99), 'max', pct(c, 1));
d.kill('SIGTERM'); await new Promise((r) => d.on('exit', r)); await pool.end(); await db.drop();
