// The Helm chart at deploy/helm/switchyard, checked without a cluster: helm lint, helm template
// with the default values and with ci/production-values.yaml, every rendered object validated
// against the Kubernetes schemas (kubernetes-models; the ServiceMonitor CRD against the
// prometheus-operator models), and the facts an operator relies on asserted one by one.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { chartDir, helm, render, unpackHelm } from './support/helm.mjs';
import { readmeSettings } from './support/readme-settings.mjs';

const MODELS = {
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};
const APPS = ['gateway', 'dispatcher'];
const PRODUCTION = join(chartDir, 'ci', 'production-values.yaml');
/** Set by the chart itself (ports, bind address) or taken from the Secret. */
const CHART_MANAGED = ['HOST', 'PORT'];
const SECRET_ENV = ['DATABASE_URL', 'REDIS_URL', 'ADMIN_API_KEY', 'SECRET_ENCRYPTION_KEY', 'SECRET_ENCRYPTION_KEYS'];
/** Settings arriving with issue 15's other parts, with their app defaults. */
const NEW_SETTINGS = {
  both: {
    PAYLOAD_RETENTION: '90d',
    ATTEMPT_RETENTION: '90d',
    REQUEST_LOG_RETENTION: '30d',
    IDEMPOTENCY_TTL: '24h',
    RETENTION_SWEEP_INTERVAL: '1m',
    PARTITION_INTERVAL: '1d',
    PARTITION_AHEAD: '3d',
    PARTITION_LOCK_TIMEOUT: '2s',
    API_MAX_BODY_BYTES: '1048576',
    COMMIT_BATCH_MAX: '128',
    COMMIT_BATCH_BYTES: '4194304',
    COMMIT_IN_FLIGHT: '2',
    COMMIT_QUEUE_MAX: '4096',
  },
  gateway: { REJECTED_BODY_BYTES: '65536' },
  dispatcher: { DNS_TIMEOUT_MS: '2000', DNS_CACHE_MAX: '1000', DNS_CACHE_MAX_TTL_MS: '60000' },
};

const defaults = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
/** The chart's mapping of a value key to its variable: fanOutInlineMax -> FAN_OUT_INLINE_MAX. */
const envName = (key) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

let helmBin;
let cleanup;
let byDefault;
let production;

const find = (objects, kind, suffix = '') => objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(suffix));
const one = (objects, kind, suffix = '') => {
  const found = find(objects, kind, suffix);
  expect(found).toHaveLength(1);
  return found[0];
};
const container = (deployment) => deployment.spec.template.spec.containers[0];
const envOf = (deployment) => Object.fromEntries(container(deployment).env.map((e) => [e.name, e]));

beforeAll(async () => {
  ({ bin: helmBin, cleanup } = unpackHelm());
  [byDefault, production] = await Promise.all([render(helmBin, 'sy'), render(helmBin, 'sy', ['-f', PRODUCTION])]);
});
afterAll(() => cleanup?.());

describe('helm lint', () => {
  it('passes with the default values', async () => {
    await expect(helm(helmBin, ['lint', '--strict', chartDir])).resolves.toMatch(/0 chart\(s\) failed/);
  });

  it('passes with the production values', async () => {
    await expect(helm(helmBin, ['lint', '--strict', chartDir, '-f', PRODUCTION])).resolves.toMatch(/0 chart\(s\) failed/);
  });
});

describe('helm install --dry-run=client', () => {
  it('renders the hooks and the notes, which tell where the admin key is', async () => {
    const out = await helm(helmBin, ['install', 'sy', chartDir, '--namespace', 'webhooks', '--dry-run=client']);
    expect(out).toMatch(/^HOOKS:$/m);
    expect(out).toContain("kubectl -n webhooks get secret sy-switchyard -o jsonpath='{.data.ADMIN_API_KEY}'");
    expect(out).toContain('Set gateway.config.publicUrl');
  });
});

describe('values.schema.json', () => {
  it('rejects a misspelt setting, a bad port and a Redis Cluster seed that is not host:port', async () => {
    await expect(render(helmBin, 'sy', ['--set', 'config.fanOutInlinMax=3'])).rejects.toThrow(/fanOutInlinMax/);
    await expect(render(helmBin, 'sy', ['--set', 'gateway.port=0'])).rejects.toThrow(/gateway\/port/);
    await expect(render(helmBin, 'sy', ['--set', 'config.redisClusterNodes=redis://redis-0:6379'])).rejects.toThrow(/redisClusterNodes/);
  });
});

describe.each([
  ['default values', () => byDefault],
  ['production values', () => production],
])('rendered with the %s', (_name, objects) => {
  it('renders only kinds it knows, each valid against its Kubernetes schema', () => {
    expect(objects().length).toBeGreaterThan(0);
    for (const object of objects()) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect([`${object.apiVersion}/${object.kind}`, Model]).toEqual([`${object.apiVersion}/${object.kind}`, expect.any(Function)]);
      expect(() => new Model(object).validate()).not.toThrow();
    }
  });

  it('has a Deployment, a Service and a PodDisruptionBudget per app, selecting the same pods', () => {
    for (const app of APPS) {
      const deployment = one(objects(), 'Deployment', `-${app}`);
      const podLabels = deployment.spec.template.metadata.labels;
      expect(deployment.spec.selector.matchLabels).toMatchObject({ 'app.kubernetes.io/component': app });
      for (const selector of [deployment.spec.selector.matchLabels, one(objects(), 'Service', `-${app}`).spec.selector, one(objects(), 'PodDisruptionBudget', `-${app}`).spec.selector.matchLabels]) {
        expect(podLabels).toMatchObject(selector);
      }
    }
  });

  it('probes liveness on /api/v1/health and readiness on the public /health/ready', () => {
    for (const app of APPS) {
      const c = container(one(objects(), 'Deployment', `-${app}`));
      expect(c.livenessProbe.httpGet).toEqual({ path: '/api/v1/health', port: 'http' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/api/v1/health', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(c.ports).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'http', containerPort: app === 'gateway' ? 3000 : 3001 }),
          expect.objectContaining({ name: 'admin', containerPort: app === 'gateway' ? 9000 : 9001 }),
        ]),
      );
    }
  });

  it('runs every container as non-root on a read-only root filesystem, with /tmp an emptyDir', () => {
    const pods = [...find(objects(), 'Deployment'), ...find(objects(), 'Job')].map((o) => o.spec.template.spec);
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      const c = pod.containers[0];
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'tmp', emptyDir: expect.any(Object) }));
    }
  });

  it('migrates in a pre-install,pre-upgrade hook Job, and the apps carry no migration step', () => {
    const job = one(objects(), 'Job', '-migrate');
    expect(job.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade' });
    expect(job.metadata.annotations['helm.sh/hook-delete-policy']).toContain('before-hook-creation');
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(['node', 'node_modules/@switchyard/db/dist/migrate.js']);
    expect(c.image).toMatch(/switchyard\/dispatcher:/);
    expect(c.env.find((e) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef).toBeDefined();
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    for (const app of APPS) {
      expect(JSON.stringify(container(one(objects(), 'Deployment', `-${app}`)))).not.toContain('migrate');
    }
  });

  it('gives each app every README setting as env, and the settings arriving with issue 15', () => {
    const settings = readmeSettings();
    expect(settings.length).toBeGreaterThan(40);
    for (const app of APPS) {
      const env = envOf(one(objects(), 'Deployment', `-${app}`));
      const names = settings.filter((s) => s.apps.includes(app)).map((s) => s.name);
      // A null or empty value (DELIVERY_LEASE_MS: the app derives it) is left to the app's default.
      const unsetByDefault = Object.entries({ ...defaults.config, ...defaults[app].config })
        .filter(([, v]) => v === null || v === '')
        .map(([k]) => envName(k));
      if (app === 'dispatcher') expect(unsetByDefault).toEqual(expect.arrayContaining(['DELIVERY_LEASE_MS', 'PORTAL_URL']));
      const expected = objects() === byDefault ? names.filter((n) => !unsetByDefault.includes(n)) : names;
      expect(expected.filter((n) => !(n in env))).toEqual([]);
      for (const [name, value] of Object.entries({ ...NEW_SETTINGS.both, ...NEW_SETTINGS[app] })) {
        expect(env[name]).toBeDefined();
        if (objects() === byDefault) expect(env[name].value).toBe(value);
      }
      expect(env.ADMIN_HOST.value).toBe('0.0.0.0');
      expect(env.ADMIN_PORT.value).toBe(app === 'gateway' ? '9000' : '9001');
      expect(env.HOST.value).toBe('0.0.0.0');
      for (const name of SECRET_ENV) expect(env[name].valueFrom.secretKeyRef).toBeDefined();
      for (const name of CHART_MANAGED) expect(env[name]).toBeDefined();
      // Whole numbers render as written, never as 6.7108864e+07.
      for (const e of Object.values(env)) if (e.value !== undefined) expect(e.value).not.toMatch(/^[\d.]+e\+\d+$/);
    }
    expect(envOf(one(objects(), 'Deployment', '-dispatcher')).DELIVERY_BUFFER_BYTES.value).toBe('67108864');
  });
});

describe('default values', () => {
  it('creates the Secret as a hook that comes before the migration Job', () => {
    const secret = one(byDefault, 'Secret');
    const job = one(byDefault, 'Job', '-migrate');
    expect(secret.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(Number(secret.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(Number(job.metadata.annotations['helm.sh/hook-weight']));
    expect(Object.keys(secret.data).sort()).toEqual(['ADMIN_API_KEY', 'DATABASE_URL', 'REDIS_URL']);
    expect(Buffer.from(secret.data.ADMIN_API_KEY, 'base64').toString().length).toBeGreaterThanOrEqual(16);
    const ref = envOf(one(byDefault, 'Deployment', '-gateway')).DATABASE_URL.valueFrom.secretKeyRef;
    expect(ref).toEqual({ name: secret.metadata.name, key: 'DATABASE_URL' });
  });

  it('uses the app defaults, runs no HPA or ServiceMonitor, and keeps the admin port off the Services', () => {
    expect(find(byDefault, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(find(byDefault, 'ServiceMonitor')).toEqual([]);
    for (const app of APPS) {
      expect(one(byDefault, 'Deployment', `-${app}`).spec.replicas).toBe(2);
      expect(one(byDefault, 'Service', `-${app}`).spec.ports.map((p) => p.name)).toEqual(['http']);
    }
    const env = envOf(one(byDefault, 'Deployment', '-dispatcher'));
    expect(env.RETRY_SCHEDULE.value).toBe('5s,5m,30m,2h,5h,10h,10h');
    expect(env.ALLOW_PRIVATE_NETWORKS.value).toBe('false');
    expect(env.DATABASE_POOL_SIZE.value).toBe('20');
    expect(env.NODE_ENV.value).toBe('production');
    expect(envOf(one(byDefault, 'Deployment', '-gateway')).DATABASE_POOL_SIZE.value).toBe('10');
  });
});

describe('production values', () => {
  it('reads every secret from the existingSecret under its own keys and creates none', () => {
    expect(find(production, 'Secret')).toEqual([]);
    const keys = {
      DATABASE_URL: 'database-url',
      REDIS_URL: 'redis-url',
      ADMIN_API_KEY: 'admin-api-key',
      SECRET_ENCRYPTION_KEY: 'secret-encryption-key',
      SECRET_ENCRYPTION_KEYS: 'secret-encryption-keys',
    };
    for (const app of APPS) {
      const env = envOf(one(production, 'Deployment', `-${app}`));
      for (const [name, key] of Object.entries(keys)) expect(env[name].valueFrom.secretKeyRef).toMatchObject({ name: 'switchyard-credentials', key });
    }
    const job = one(production, 'Job', '-migrate');
    expect(job.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef).toEqual({ name: 'switchyard-credentials', key: 'database-url' });
  });

  it('scales each app with an HPA on its Deployment, which then leaves replicas to it', () => {
    for (const app of APPS) {
      const deployment = one(production, 'Deployment', `-${app}`);
      const hpa = one(production, 'HorizontalPodAutoscaler', `-${app}`);
      expect(deployment.spec.replicas).toBeUndefined();
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
      expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    }
    expect(one(production, 'HorizontalPodAutoscaler', '-gateway').spec).toMatchObject({ minReplicas: 3, maxReplicas: 20 });
    expect(one(production, 'PodDisruptionBudget', '-gateway').spec).toEqual(expect.objectContaining({ minAvailable: 2 }));
    expect(one(production, 'PodDisruptionBudget', '-gateway').spec.maxUnavailable).toBeUndefined();
  });

  it('scrapes the admin port of both Services with the ServiceMonitor', () => {
    const monitor = one(production, 'ServiceMonitor');
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'admin', path: '/metrics' })]);
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    for (const app of APPS) {
      const service = one(production, 'Service', `-${app}`);
      expect(service.spec.ports).toContainEqual(expect.objectContaining({ name: 'admin', targetPort: 'admin', port: app === 'gateway' ? 9000 : 9001 }));
      expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
      expect(monitor.spec.selector.matchExpressions[0].values).toContain(service.metadata.labels['app.kubernetes.io/component']);
    }
  });

  it('applies settings, resources, images and extra env from the values', () => {
    const gateway = one(production, 'Deployment', '-gateway');
    const dispatcher = one(production, 'Deployment', '-dispatcher');
    expect(container(gateway).image).toBe('registry.example.com/platform/switchyard/gateway:1.4.2');
    expect(container(gateway).resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '768Mi' } });
    expect(envOf(gateway).PUBLIC_URL.value).toBe('https://hooks.example.com');
    expect(envOf(gateway).MAX_BODY_BYTES.value).toBe('10485760');
    expect(envOf(gateway).PAYLOAD_RETENTION.value).toBe('30d');
    expect(envOf(gateway).OTEL_EXPORTER_OTLP_ENDPOINT.value).toBe('http://otel-collector.observability:4318');
    expect(envOf(gateway).PORTAL_URL).toBeUndefined();
    expect(envOf(dispatcher).PORTAL_URL.value).toBe('https://portal.example.com');
    expect(envOf(dispatcher).DELIVERY_LEASE_MS.value).toBe('45000');
    expect(envOf(dispatcher).QUEUE_PREFIX.value).toBe('sy-prod');
    expect(dispatcher.spec.template.spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
  });
});
