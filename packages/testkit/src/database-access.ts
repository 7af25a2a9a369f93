import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * "One way to reach the database" (CONTRIBUTING.md, "Reach the database"): only repositories
 * (`*.repository.ts`, `*.store.ts`) run statements or hold SQL text. The apps' structure tests
 * run `databaseAccessOutsideRepositories` over their `src` and expect nothing back.
 */

/** A statement run, or SQL text written, outside a repository. */
export interface DatabaseAccess {
  /** The file, relative to the folder scanned. */
  readonly file: string;
  readonly line: number;
  /** What was found: the call, or the start of the SQL text. */
  readonly what: string;
}

/** True for a file that may reach the database: a repository. */
export function isRepositoryFile(path: string): boolean {
  return /\.(repository|store)\.ts$/.test(path);
}

/**
 * Calls that run a statement or build one: `x.query(` / `x.query<T>(` (TypeORM, pg, PreparedSql;
 * a class's own `this.query(` is its own method), `sql.run`, `runPrepared`, `prepared(` /
 * `preparedText(`, `sqlRunner(`, query builders and runners, TypeORM repositories and managers.
 */
const CALLS: readonly RegExp[] = [
  /(?<!\bthis)\.query\s*(?:<[^>()]*>)?\s*\(/,
  /\bsql\.run\b/,
  /\brunPrepared(?:In)?\s*(?:<[^>()]*>)?\s*\(/,
  /\bprepared(?:Text)?\s*\(/,
  /\bsqlRunner\s*\(/,
  /\bcreateQueryBuilder\s*\(/,
  /\bcreateQueryRunner\s*\(/,
  /\bgetRepository\s*\(/,
  /\.manager\s*\./,
];

/** SQL text: a statement's opening words, upper case as the code base writes SQL. */
const SQL_TEXT = /\bSELECT\s[\s\S]*?\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+(?:\s+\w+)?\s+SET\b|\bDELETE\s+FROM\b|\bWITH\s+(?:RECURSIVE\s+)?\w+\s+AS\s*\(/;

interface Scanned {
  /** The source with comments and string contents blanked (line breaks kept). */
  readonly code: string;
  /** Each string or template literal's text, with the line it starts on. */
  readonly strings: { text: string; line: number }[];
}

/** After one of these (or at the start) a `/` opens a regular expression, not a division. */
const BEFORE_REGEX = /(?:[(,=:[!&|?{};+\-*%<>~^]|\breturn|\btypeof|\bcase|\bof|\bin)\s*$/;

/** Splits TypeScript source into code, comments and literals (enough of the grammar for this check). */
function scan(source: string): Scanned {
  let code = '';
  const strings: { text: string; line: number }[] = [];
  let line = 1;
  let i = 0;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  const take = (end: number, keep: boolean) => {
    const piece = source.slice(i, end);
    code += keep ? piece : blank(piece);
    line += (piece.match(/\n/g) ?? []).length;
    i = end;
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      take(end === -1 ? source.length : end, false);
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      take(end === -1 ? source.length : end + 2, false);
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      strings.push({ text: source.slice(i + 1, j), line });
      code += c;
      i++;
      take(Math.min(j, source.length), false);
      if (i < source.length) take(i + 1, true);
    } else if (c === '/' && (code.trim() === '' || BEFORE_REGEX.test(code.slice(-40)))) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j++;
      }
      take(Math.min(j + 1, source.length), false);
    } else {
      take(i + 1, true);
    }
  }
  return { code, strings };
}

/** What one file's source does with the database (comments never count). */
export function databaseAccessIn(source: string): { line: number; what: string }[] {
  const { code, strings } = scan(source);
  const found: { line: number; what: string }[] = [];
  code.split('\n').forEach((text, index) => {
    for (const call of CALLS) {
      const match = call.exec(text);
      if (match) found.push({ line: index + 1, what: match[0].trim() });
    }
  });
  for (const s of strings) {
    const match = SQL_TEXT.exec(s.text);
    if (match) found.push({ line: s.line, what: `SQL text: ${match[0].replace(/\s+/g, ' ').slice(0, 40)}` });
  }
  return found.sort((a, b) => a.line - b.line);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Every statement run or SQL text written in `dir`'s TypeScript files (specs aside) outside a
 * repository; `allow` names files (relative to `dir`) that are the database helper itself.
 */
export function databaseAccessOutsideRepositories(dir: string, allow: readonly string[] = []): DatabaseAccess[] {
  return sourceFiles(dir)
    .filter((file) => !isRepositoryFile(file) && !allow.includes(relative(dir, file)))
    .flatMap((file) => databaseAccessIn(readFileSync(file, 'utf8')).map((hit) => ({ file: relative(dir, file), ...hit })));
}
