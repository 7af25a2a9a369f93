// deploy/observability: the Grafana dashboard and the alert rules read only metrics the apps
// export. The built gateway and dispatcher are started on a test database and their /metrics
// scraped (the admin port first, when the app has one; else the public port); the metric
// definitions in the source are checked against the same scrape.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { createTestDatabase } from '@switchyard/db/testing';
import { parse } from 'yaml';
import { deployDir, repoDir } from './support/helm.mjs';
import { exposedNames, metricNames } from './support/promql.mjs';

const observability = join(deployDir, 'observability');
const dashboard = JSON.parse(readFileSync(join(observability, 'grafana-dashboard.json'), 'utf8'));
const rules = parse(readFileSync(join(observability, 'prometheus-rules.yaml'), 'utf8'));
/** Series that come from elsewhere than the apps, and where. Only the alert rules may use them. */
const EXTERNAL = {
  up: 'Prometheus itself, per scrape target',
  kube_pod_container_status_ready: 'kube-state-metrics',
};
const APPS = { gateway: 'apps/gateway/dist/main.js', dispatcher: 'apps/dispatcher/dist/main.js' };

const panelsOf = (d) => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const dashboardExprs = panelsOf(dashboard).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const ruleList = rules.spec.groups.flatMap((g) => g.rules);
const namesIn = (exprs) => [...new Set(exprs.flatMap(metricNames))].sort();

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function get(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}

/** The metric definitions in the source: prom-client `name: 'switchyard_…'` and the per-endpoint series helper. */
function sourceMetricNames() {
  const names = new Set();
  const walk = (dir) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ts$/.test(entry) && !/\.spec\.ts$/.test(entry)) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/(?:name:\s*|series\(\s*)'(switchyard_[a-z0-9_]+)'/g)) names.add(m[1]);
      }
    }
  };
  for (const top of ['apps', 'packages']) {
    for (const pkg of readdirSync(join(repoDir, top))) if (existsSync(join(repoDir, top, pkg, 'src'))) walk(join(repoDir, top, pkg, 'src'));
  }
  return names;
}

describe('the dashboard and the rules', () => {
  it('the dashboard covers queue lag, deliveries by outcome, attempt latency, circuits and ingress by source and outcome', () => {
    const all = dashboardExprs.join('\n');
    expect(all).toMatch(/switchyard_delivery_lag_seconds_bucket/);
    expect(all).toMatch(/switchyard_queue_oldest_waiting_job_age_seconds/);
    expect(all).toMatch(/sum by \(outcome\) \(rate\(switchyard_deliveries_total/);
    expect(all).toMatch(/switchyard_delivery_attempt_duration_seconds_bucket/);
    expect(all).toMatch(/by \(state\) \(switchyard_endpoint_circuits\)/);
    expect(all).toMatch(/by \(source_type, outcome\) \(rate\(switchyard_ingress_requests_total/);
  });

  it('the dashboard is importable: unique panel ids, a gridPos each, every query on the datasource variable', () => {
    const panels = panelsOf(dashboard);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) expect(p.gridPos).toEqual(expect.objectContaining({ h: expect.any(Number), w: expect.any(Number) }));
    for (const p of panels.filter((x) => x.targets)) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's datasource variable, literally
      expect(p.datasource.uid).toBe('${datasource}');
      for (const t of p.targets) expect(t.expr.length).toBeGreaterThan(0);
    }
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('the rules are a valid PrometheusRule with the alerts operators need', () => {
    expect(() => new PrometheusRule(rules).validate()).not.toThrow();
    const alerts = ruleList.map((r) => r.alert);
    expect(alerts).toEqual(expect.arrayContaining(['SwitchyardDeliveriesFailing', 'SwitchyardDeliveryBacklog', 'SwitchyardEndpointDisabled', 'SwitchyardNotReady']));
    expect(new Set(alerts).size).toBe(alerts.length);
    for (const rule of ruleList) {
      expect(rule.labels.severity).toMatch(/^(warning|critical)$/);
      expect(rule.annotations.summary).toBeTruthy();
      // Parentheses and braces balance: a cheap guard against a broken edit.
      for (const [open, close] of ['()', '{}', '[]']) expect(rule.expr.split(open).length).toBe(rule.expr.split(close).length);
    }
    expect(ruleList.find((r) => r.alert === 'SwitchyardDeliveryBacklog').expr).toMatch(/switchyard_queue_oldest_waiting_job_age_seconds\) > \d+/);
  });

  it('only the rules use series from outside the apps, and only the listed ones', () => {
    expect(namesIn(dashboardExprs).filter((n) => n in EXTERNAL)).toEqual([]);
    expect(namesIn(ruleList.map((r) => r.expr)).filter((n) => !n.startsWith('switchyard_'))).toEqual(Object.keys(EXTERNAL).sort());
  });
});

describe('against the running apps', () => {
  const children = [];
  const scraped = {};
  let database;

  beforeAll(async () => {
    for (const main of Object.values(APPS)) {
      if (!existsSync(join(repoDir, main))) throw new Error(`${main} is missing: run pnpm -s turbo run build first`);
    }
    database = await createTestDatabase('observability');
    await Promise.all(
      Object.entries(APPS).map(async ([app, main]) => {
        const [port, adminPort] = [await freePort(), await freePort()];
        let output = '';
        const child = spawn(process.execPath, [join(repoDir, main)], {
          env: {
            PATH: process.env.PATH,
            NODE_ENV: 'development',
            DATABASE_URL: database.url,
            REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
            QUEUE_PREFIX: `sy-observability-${port}`,
            HOST: '127.0.0.1',
            PORT: String(port),
            ADMIN_HOST: '127.0.0.1',
            ADMIN_PORT: String(adminPort),
            ADMIN_API_KEY: 'sk_observability_check_0123456789',
            LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.push(child);
        child.stdout.on('data', (c) => (output += c));
        child.stderr.on('data', (c) => (output += c));
        const deadline = Date.now() + 30_000;
        for (;;) {
          if (child.exitCode !== null) throw new Error(`${app} exited ${child.exitCode}: ${output}`);
          if (Date.now() > deadline) throw new Error(`${app} never answered its health check: ${output}`);
          const health = await get(`http://127.0.0.1:${port}/api/v1/health`).catch(() => null);
          if (health?.status === 204) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        // The admin listener serves /metrics when the app has one; before it, the public port does.
        const admin = await get(`http://127.0.0.1:${adminPort}/metrics`).catch(() => null);
        const metrics = admin?.status === 200 ? admin : await get(`http://127.0.0.1:${port}/metrics`);
        expect(metrics.status).toBe(200);
        scraped[app] = metrics.text;
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        let timer;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
      }),
    );
    await database?.drop();
  });

  const exposed = () => new Set([...exposedNames(scraped.gateway), ...exposedNames(scraped.dispatcher)]);

  it('each app exports its own metrics', () => {
    expect(exposedNames(scraped.gateway)).toContain('switchyard_ingress_requests_total');
    expect(exposedNames(scraped.dispatcher)).toContain('switchyard_deliveries_total');
    expect(exposedNames(scraped.dispatcher)).toContain('switchyard_delivery_lag_seconds_bucket');
  });

  it('every metric the dashboard reads is in /metrics', () => {
    const names = namesIn(dashboardExprs);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !exposed().has(n))).toEqual([]);
  });

  it('every switchyard metric the rules read is in /metrics', () => {
    const names = namesIn(ruleList.map((r) => r.expr)).filter((n) => !(n in EXTERNAL));
    expect(names).toContain('switchyard_endpoints_disabled_total');
    expect(names.filter((n) => !exposed().has(n))).toEqual([]);
  });

  it('every switchyard metric defined in the source is exported by one of the apps', () => {
    const defined = [...sourceMetricNames()];
    expect(defined.length).toBeGreaterThan(15);
    expect(defined.filter((n) => !exposed().has(n))).toEqual([]);
  });
});
