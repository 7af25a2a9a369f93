import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { databaseAccessOutsideRepositories } from '@switchyard/testkit';

// One way to reach the database (CONTRIBUTING.md, "Reach the database"): repositories
// (`*.repository.ts`) own every statement; services, controllers and processors call their
// methods and never run a query, build one or hold SQL text.

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** The engine's prepared-statement helper itself (it runs what repositories hand it). */
const HELPERS = ['engine/common/prepared-sql.ts'];

describe('dispatcher database access', () => {
  it('runs and writes SQL only in repositories', () => {
    expect(databaseAccessOutsideRepositories(SRC, HELPERS)).toEqual([]);
  });
});
