import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every module a package's sources import (static imports, re-exports and dynamic imports). */
function importsOf(pkg: string): Set<string> {
  const found = new Set<string>();
  for (const file of sources(join(packages, pkg, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const patterns = [
      /^\s*(?:import|export)\b[^;]*?\bfrom\s+['"]([^'"]+)['"]/gm, // import … from 'x', export … from 'x'
      /^\s*import\s+['"]([^'"]+)['"]/gm, // import 'x'
      /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, // import('x')
    ];
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        const spec = match[1]!;
        if (!spec.startsWith('.')) found.add(spec);
      }
    }
  }
  return found;
}

describe('package purity (ARCHITECTURE.md: signing, events and providers import nothing from Nest, TypeORM or Bull)', () => {
  it('signing imports only node:crypto', () => {
    expect([...importsOf('signing')].sort()).toEqual(['node:crypto']);
  });

  it('events imports only node built-ins and ulid', () => {
    const allowed = (spec: string) => spec.startsWith('node:') || spec === 'ulid';
    expect([...importsOf('events')].filter((spec) => !allowed(spec))).toEqual([]);
  });

  it('providers imports only node built-ins, signing and events', () => {
    const allowed = (spec: string) => spec.startsWith('node:') || spec === '@switchyard/signing' || spec === '@switchyard/events';
    expect([...importsOf('providers')].filter((spec) => !allowed(spec))).toEqual([]);
  });

  it('neither mentions a framework, ORM or queue', () => {
    for (const pkg of ['signing', 'events', 'providers']) {
      const forbidden = [...importsOf(pkg)].filter((spec) => /^(@nestjs\/|typeorm|bull|ioredis|pg$|fastify)/.test(spec));
      expect({ pkg, forbidden }).toEqual({ pkg, forbidden: [] });
    }
  });
});
