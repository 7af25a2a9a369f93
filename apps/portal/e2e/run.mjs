// The portal's end-to-end suite: the API checks always, the browser tests when Chromium is there.
// CI installs Debian's chromium (.ci/run); elsewhere, without it, this says plainly what it skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const files = ['e2e/api.test.ts'];
if (existsSync(chromium)) {
  files.push('e2e/browser.test.ts');
} else if (process.env.CI) {
  // CI installs it (.ci/run): there a missing browser is a failure, never a skip
  console.error(`portal browser tests: no Chromium at ${chromium}, and CI must run them`);
  process.exit(1);
} else {
  console.log(`\n*** portal browser tests SKIPPED: no Chromium at ${chromium} (install it: apt-get install -y chromium) ***\n`);
}
const result = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.e2e.config.ts', ...files], { stdio: 'inherit' });
if (!existsSync(chromium)) console.log(`\n*** portal browser tests SKIPPED: no Chromium at ${chromium} ***\n`);
process.exit(result.status ?? 1);
