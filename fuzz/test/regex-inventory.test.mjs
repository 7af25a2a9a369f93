// Issue 12, item 1: every regular expression in the product code, checked two ways.
// 1. recheck (automaton analysis, fuzzing where that is undecidable) must call it safe: no
//    exponential or polynomial backtracking on any input. A new regex that is not joins the
//    list below only with the reason its input is bounded or trusted.
// 2. Each one runs on long runs of every character and character pair of its own source (the
//    worst-case inputs of a backtracking regex are such runs plus a character that fails the
//    match), after nothing, 'x', '[' or the regex's own literal start; 8 Ki and 64 Ki long,
//    then 1 MiB: 8x the input may not take 24x the CPU time.
import { describe, expect, it } from '@jest/globals';
import { check } from 'recheck';
import { GROWTH, MAX_RATIO, ONE_MIB, assertLinear } from '@switchyard/jest-config/growth';
import { regexInventory } from '../lib/regex-inventory.mjs';

/** Regexes recheck calls vulnerable, accepted because their input cannot be long or hostile. */
const ACCEPTED = new Map([
  // None. Keep it that way: fix the regex (or replace it with a loop) instead.
]);

const inventory = regexInventory();
const key = (r) => `${r.file}:/${r.source}/${r.flags}`;

describe('regex inventory', () => {
  it('finds the product regexes, and every one is a literal (a built pattern cannot be checked)', () => {
    expect(inventory.length).toBeGreaterThanOrEqual(50);
    expect(inventory.filter((r) => r.dynamic).map((r) => `${r.file}:${r.line}`)).toEqual([]);
  });

  it('recheck finds no super-linear backtracking in any of them', async () => {
    const verdicts = [];
    for (const r of inventory) {
      const diagnostics = await check(r.source, r.flags, { timeout: 10_000 });
      verdicts.push({
        where: `${r.file}:${r.line}`,
        regex: `/${r.source}/${r.flags}`,
        status: diagnostics.status,
        complexity: diagnostics.status === 'vulnerable' ? diagnostics.complexity.type : undefined,
        attack: diagnostics.status === 'vulnerable' ? diagnostics.attack.pattern : undefined,
      });
    }
    const unsafe = verdicts.filter((v, i) => v.status !== 'safe' && !ACCEPTED.has(key(inventory[i])));
    expect(unsafe).toEqual([]);
  });
});

/** Units to repeat: each printable character of the source and each adjacent pair, plus classics. */
function pumpUnits(source) {
  const units = new Set([' ', '\t', 'a', 'A', '0', '_', '-', '.', '/', '=', '\ud800', '😀']);
  const printable = [...source].filter((c) => c >= ' ' && c !== '\\');
  for (let i = 0; i < printable.length; i++) {
    units.add(printable[i]);
    if (i + 1 < printable.length) units.add(printable[i] + printable[i + 1]);
  }
  return [...units];
}

const inputs = new Map();
/** unit repeated to about n characters, then a character nothing here matches. */
function pumped(unit, n, lead) {
  const make = () => `${lead + unit.repeat(Math.ceil(n / unit.length))}\u0000`;
  if (n > 64 * 1024) return make();
  const id = `${lead}\u0001${unit}\u0001${n}`;
  let text = inputs.get(id);
  if (text === undefined) {
    text = make();
    inputs.set(id, text);
  }
  return text;
}

/** What goes before the run: nothing, a character, and the regex's own literal start (`Bearer`, `/in/`). */
function leads(source) {
  const literal = /^\^?((?:[A-Za-z0-9 _:-]|\\\/)*)/.exec(source)?.[1]?.replaceAll('\\/', '/') ?? '';
  return [...new Set(['', 'x', '[', literal, `${literal} `, `${literal}a`])];
}

function runner(r) {
  const global = new RegExp(r.source, r.flags.includes('g') ? r.flags : `${r.flags}g`);
  const single = new RegExp(r.source, r.flags.replace(/[gy]/g, ''));
  return r.flags.includes('g') ? (text) => text.replace(global, '') : (text) => single.test(text);
}

/** This process's CPU time in ms (not the wall clock, which other processes stretch). */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function fastestMs(work, text) {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const start = cpuMs();
    work(text);
    best = Math.min(best, cpuMs() - start);
  }
  return best;
}

describe('every regex on long runs of its own characters', () => {
  const regexes = inventory.filter((r) => !r.dynamic);
  it.each(regexes.map((r) => [`${r.file}:${r.line} /${r.source}/${r.flags}`, r]))('%s', (_label, r) => {
    const work = runner(r);
    inputs.clear(); // the small inputs are shared by the units of one regex only
    for (const unit of pumpUnits(r.source)) {
      for (const lead of leads(r.source)) {
        const smallMs = fastestMs(work, pumped(unit, 8 * 1024, lead));
        const largeMs = fastestMs(work, pumped(unit, 8 * 1024 * GROWTH, lead));
        // Under 1 ms for 64 Ki characters is linear for any practical purpose; above that the
        // ratio decides, measured again with the doubling floor before it fails.
        if (largeMs >= 1 && largeMs / Math.max(smallMs, 0.05) >= MAX_RATIO) {
          assertLinear(`/${r.source}/${r.flags} on ${JSON.stringify(lead)} + ${JSON.stringify(unit)}…`, (n) => pumped(unit, n, lead), work);
        }
        work(pumped(unit, ONE_MIB, lead));
      }
    }
  });
});
