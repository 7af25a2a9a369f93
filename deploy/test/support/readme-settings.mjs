import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from './helm.mjs';

/**
 * The settings of the README's configuration table, each with the apps that read it: a row
 * marked `(gateway)` or `(dispatcher)` is that app's, `(both)` or no mark is both apps'.
 */
export function readmeSettings() {
  const text = readFileSync(join(repoDir, 'README.md'), 'utf8');
  const section = text.split(/^## Configuration\s*$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error('README.md has no "## Configuration" section');
  const settings = [];
  for (const line of section.split('\n')) {
    const row = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*(?:\((gateway|dispatcher|both)\))?\s*\|/.exec(line);
    if (!row) continue;
    const apps = row[2] === 'gateway' ? ['gateway'] : row[2] === 'dispatcher' ? ['dispatcher'] : ['gateway', 'dispatcher'];
    settings.push({ name: row[1], apps });
  }
  return settings;
}
