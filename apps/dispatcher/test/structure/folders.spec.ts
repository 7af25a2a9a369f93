import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// The dispatcher's tree: src/api (the Svix HTTP API) and src/engine (the delivery engine), with
// dependencies pointing one way (api → engine, never back) and no cycles between folders.

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [join(dir, e.name)] : []));
}

/** The folder a file belongs to, as a unit of the graph: `api/endpoints`, `engine/delivery`, `config`, or `.` for the root files. */
function unitOf(file: string): string {
  const parts = relative(SRC, dirname(file)).split('/').filter(Boolean);
  if (parts.length === 0) return '.';
  return parts[0] === 'api' || parts[0] === 'engine' ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Edges between folder units, from the relative imports of every source file. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files(SRC)) {
    const from = unitOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = unitOf(resolve(dirname(file), spec!));
      if (target !== from) edges.add(target);
    }
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan): each is a cycle. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const meta = new Map<string, { index: number; low: number; onStack: boolean }>();
  const found: string[][] = [];
  const visit = (v: string) => {
    meta.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!meta.has(w)) {
        visit(w);
        meta.get(v)!.low = Math.min(meta.get(v)!.low, meta.get(w)!.low);
      } else if (meta.get(w)!.onStack) {
        meta.get(v)!.low = Math.min(meta.get(v)!.low, meta.get(w)!.index);
      }
    }
    if (meta.get(v)!.low === meta.get(v)!.index) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        meta.get(w)!.onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!meta.has(v)) visit(v);
  return found;
}

describe('dispatcher folders', () => {
  const graph = folderGraph();

  it('has the API and the engine as separate trees', () => {
    const units = [...graph.keys()];
    expect(units.some((u) => u.startsWith('api/'))).toBe(true);
    expect(units.some((u) => u.startsWith('engine/'))).toBe(true);
  });

  it('never imports the API from the engine', () => {
    const back = [...graph].flatMap(([from, to]) => (from.startsWith('engine') ? [...to].filter((t) => t.startsWith('api')).map((t) => `${from} -> ${t}`) : []));
    expect(back).toEqual([]);
  });

  it('has no cycles between folders', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const g = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });
});
