// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package, so a
// bench run can say where an app spends its core. `node bench/profile-summary.mjs FILE [--top N]`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Which package (or part of ours) a script URL belongs to. */
export function packageOf(url) {
  if (!url) return '(native / V8)';
  const store = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (store) return store[1];
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const ours = /\/(apps|packages)\/([^/]+)\//.exec(url);
  if (ours) return `switchyard ${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return 'node core';
  return url;
}

/**
 * { totalMs, idleMs, gcMs, byPackage: [[name, ms, %]], byFunction: [[fn @ file:line, ms, %]] }.
 * Percentages are of the busy (non-idle) time.
 */
export function summarizeProfile(profile, { top = 30 } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let totalUs = 0;
  let idleUs = 0;
  let gcUs = 0;
  const byPackage = new Map();
  const byFunction = new Map();
  for (const [id, us] of self) {
    const node = nodes.get(id);
    const { functionName, url, lineNumber } = node.callFrame;
    totalUs += us;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    if (functionName === '(garbage collector)') gcUs += us;
    const pkg = functionName.startsWith('(') ? functionName : packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const file = url ? url.replace(/^.*\/(node_modules\/\.pnpm\/[^/]+\/node_modules\/|apps\/|packages\/)/, '') : '';
    const key = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rows = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => [k, Math.round(us / 1000), Number(((us / busyUs) * 100).toFixed(1))]);
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    gcMs: Math.round(gcUs / 1000),
    byPackage: rows(byPackage),
    byFunction: rows(byFunction),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  const topArg = process.argv.indexOf('--top');
  const top = topArg > 0 ? Number(process.argv[topArg + 1]) : 30;
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), { top });
  console.log(`${file}: ${s.totalMs} ms sampled, ${s.busyMs} ms busy, ${s.idleMs} ms idle, GC ${s.gcMs} ms`);
  console.log('\nself time by package (% of busy):');
  for (const [k, ms, pct] of s.byPackage) console.log(`  ${String(pct).padStart(5)} %  ${String(ms).padStart(7)} ms  ${k}`);
  console.log('\nself time by function (% of busy):');
  for (const [k, ms, pct] of s.byFunction) console.log(`  ${String(pct).padStart(5)} %  ${String(ms).padStart(7)} ms  ${k}`);
}
