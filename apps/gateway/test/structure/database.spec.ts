import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { databaseAccessOutsideRepositories } from '@switchyard/testkit';

// One way to reach the database (CONTRIBUTING.md, "Reach the database"): repositories
// (`*.store.ts`) own every statement; services, controllers and the ingest path call their
// methods and never run a query, build one or hold SQL text.

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

describe('gateway database access', () => {
  it('runs and writes SQL only in repositories', () => {
    expect(databaseAccessOutsideRepositories(SRC)).toEqual([]);
  });
});
