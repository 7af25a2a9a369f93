// Proves the container recipe without a Docker engine: the same prune → install → build →
// deploy steps the Dockerfiles run (docker/scripts), into a temporary folder, then starts each
// deployed app from there against the real PostgreSQL and Redis and checks its health.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase } from '@switchyard/db/testing';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'sy-recipe-'));
const env = { ...process.env, CI: 'true', TURBO_TELEMETRY_DISABLED: '1', NODE_OPTIONS: '' };

afterAll(() => rmSync(work, { recursive: true, force: true }));

function sh(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** The Dockerfile's RUN steps, read from the Dockerfile itself so the check cannot drift from it. */
function dockerfileSteps(app) {
  const text = readFileSync(join(repo, 'docker', `${app}.Dockerfile`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('RUN '))
    .map((l) => l.replace(/^RUN (--mount=\S+ )*/, ''));
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(port, child, output) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`app exited ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
      if (res.status === 204) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no health answer: ${output()}`);
}

function copyRepo(dest) {
  // Tracked and untracked-but-not-ignored files: what `COPY . .` sees with .dockerignore.
  const files = sh('git', ['ls-files', '-co', '--exclude-standard'], repo).split('\n').filter(Boolean);
  for (const file of files) {
    const from = join(repo, file);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    cpSync(from, join(dest, file));
  }
}

describe('one Node version', () => {
  it('the images run the Node major of .nvmrc, which is the Node running these tests (development and CI)', () => {
    const major = readFileSync(join(repo, '.nvmrc'), 'utf8').trim().split('.')[0];
    expect(process.versions.node.split('.')[0]).toBe(major);
    for (const app of ['gateway', 'dispatcher']) {
      const image = /^ARG NODE_IMAGE=node:(\d+)/m.exec(readFileSync(join(repo, 'docker', `${app}.Dockerfile`), 'utf8'))?.[1];
      expect({ app, image }).toEqual({ app, image: major });
    }
  });
});

describe.each(['gateway', 'dispatcher'])('%s container recipe', (app) => {
  const root = join(work, app);
  const deploy = join(root, 'deploy');

  it('the Dockerfile runs the shared scripts', () => {
    const steps = dockerfileSteps(app);
    expect(steps).toEqual(
      expect.arrayContaining([
        `sh docker/scripts/prune.sh @switchyard/${app} /pruned`,
        expect.stringContaining('pnpm install --frozen-lockfile'),
        `sh docker/scripts/build.sh @switchyard/${app} /deploy`,
      ]),
    );
  });

  it('prunes, installs from the pruned lockfile, builds and deploys', () => {
    const source = join(root, 'source');
    const builder = join(root, 'builder');
    copyRepo(source);
    // The image's pruner fetches the pinned turbo; here the repository's own copy of it is used.
    execFileSync('sh', ['docker/scripts/prune.sh', `@switchyard/${app}`, join(root, 'pruned')], {
      cwd: source,
      env: { ...env, TURBO: join(repo, 'node_modules', '.bin', 'turbo') },
      stdio: 'pipe',
    });
    cpSync(join(root, 'pruned', 'json'), builder, { recursive: true });
    sh('pnpm', ['install', '--frozen-lockfile'], builder);
    cpSync(join(root, 'pruned', 'full'), builder, { recursive: true });
    cpSync(join(repo, 'docker', 'scripts'), join(builder, 'docker', 'scripts'), { recursive: true });
    sh('sh', ['docker/scripts/build.sh', `@switchyard/${app}`, deploy], builder);

    expect(existsSync(join(deploy, 'dist', 'main.js'))).toBe(true);
    // Only dist and production dependencies: no sources, tests or dev tools.
    expect(readdirSync(deploy).sort()).toEqual(expect.not.arrayContaining(['src', 'test', 'tsconfig.json', 'jest.config.js']));
    for (const dev of ['jest', 'typescript', 'supertest', '@nestjs/testing', 'svix']) {
      expect(existsSync(join(deploy, 'node_modules', dev))).toBe(false);
    }
    const db = join(deploy, 'node_modules', '@switchyard', 'db');
    expect(existsSync(join(db, 'dist', 'migrate.js'))).toBe(true);
    // …and this one re-seals stored secrets after a key rotation (README, Deployment).
    expect(existsSync(join(db, 'dist', 'reseal.js'))).toBe(true);
    expect(existsSync(join(db, 'src'))).toBe(false);
  });

  it('starts from the deploy folder against the real services and answers health, with the admin surfaces on their own port', async () => {
    const database = await createTestDatabase(`recipe-${app}`);
    const port = await freePort();
    const adminPort = await freePort();
    // The compose file's migrate service runs this entry point of the dispatcher image.
    sh('node', [join(deploy, 'node_modules', '@switchyard', 'db', 'dist', 'migrate.js')], deploy);
    const child = spawn('node', ['dist/main.js'], {
      cwd: deploy,
      env: {
        ...env,
        NODE_ENV: 'production',
        DATABASE_URL: database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_PORT: String(adminPort),
        ADMIN_API_KEY: 'sk_recipe_check_0123456789',
        // Production refuses to start without a key for secrets at rest.
        SECRET_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
        SECRET_ENCRYPTION_KEY: '',
        QUEUE_PREFIX: `sy-recipe-${app}-${port}`,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      await waitForHealth(port, child, () => out);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      expect(await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()).toEqual({ status: 'ok' });
      const metrics = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain(`service="${app}"`);
      if (app === 'dispatcher') {
        // The consumer portal ships in the image (the deploy holds @switchyard/portal's dist).
        const portal = await fetch(`http://127.0.0.1:${port}/portal`);
        expect(portal.status).toBe(200);
        expect(await portal.text()).toContain('<div id="root"></div>');
      }
      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
    }
  });
});
