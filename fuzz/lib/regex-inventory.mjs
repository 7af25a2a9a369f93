// Every regular expression in the product code (apps/*/src, packages/*/src), found by parsing
// the TypeScript with swc: regex literals and `RegExp(...)` / `new RegExp(...)` calls.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.spec.ts')) out.push(path);
  }
  return out;
}

/** Packages that only tests load (no product process runs them, no untrusted input reaches them). */
const TEST_ONLY = new Set(['testkit']);

/** The src folders of every app and package. */
export function productSourceFiles() {
  const files = [];
  for (const group of ['apps', 'packages']) {
    for (const name of readdirSync(join(ROOT, group))) {
      if (group === 'packages' && TEST_ONLY.has(name)) continue;
      const src = join(ROOT, group, name, 'src');
      try {
        if (statSync(src).isDirectory()) files.push(...sourceFiles(src));
      } catch {
        // a package without src (tsconfig, jest-config)
      }
    }
  }
  return files.sort();
}

function walk(node, visit) {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  visit(node);
  for (const [key, child] of Object.entries(node)) {
    if (key !== 'span' && typeof child === 'object') walk(child, visit);
  }
}

function lineOf(text, offset) {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Every regex in the product code: `{ file, line, source, flags }`, or `{ file, line, dynamic: true }`
 * for a RegExp built from something other than string literals (which no static check can judge).
 */
export function regexInventory() {
  const found = [];
  for (const path of productSourceFiles()) {
    const text = readFileSync(path, 'utf8');
    const module = swc.parseSync(text, { syntax: 'typescript', decorators: true, target: 'es2022' });
    // swc spans count from a global offset: the module's own span start is its 0.
    const base = module.span.start;
    const file = relative(ROOT, path);
    walk(module.body, (node) => {
      if (node.type === 'RegExpLiteral') {
        found.push({ file, line: lineOf(text, node.span.start - base), source: node.pattern, flags: node.flags });
      } else if ((node.type === 'NewExpression' || node.type === 'CallExpression') && node.callee?.type === 'Identifier' && node.callee.value === 'RegExp') {
        const [pattern, flags] = (node.arguments ?? []).map((a) => a.expression);
        const literal = (e) => e === undefined || e.type === 'StringLiteral';
        if (pattern?.type === 'StringLiteral' && literal(flags)) {
          found.push({ file, line: lineOf(text, node.span.start - base), source: pattern.value, flags: flags?.value ?? '' });
        } else {
          found.push({ file, line: lineOf(text, node.span.start - base), dynamic: true });
        }
      }
    });
  }
  return found;
}
