import { describe, expect, it } from '@jest/globals';
import { databaseAccessIn, isRepositoryFile } from '../src/index.js';

describe('databaseAccessIn', () => {
  it('finds statements run outside a repository', () => {
    const source = [
      "const rows = await this.dataSource.query('SELECT name FROM event_types WHERE name = ANY($1)', [names]);",
      'const lock = await runner.query<{ locked: boolean }>(text, []);',
      "const qb = this.dataSource.getRepository(AttemptEntity).createQueryBuilder('a');",
      'const found = await this.dataSource.manager.findOneBy(MessageEntity, where);',
      'const rows = await this.sql.run(RATE_OF, [id]);',
      'await runPrepared<Row>(dataSource, STATEMENT, []);',
    ].join('\n');
    const lines = databaseAccessIn(source).map((hit) => hit.line);
    expect(new Set(lines)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });

  it('finds SQL text in any kind of string, over several lines', () => {
    const source = [
      'const A = `',
      '  WITH RECURSIVE r AS (',
      '    (SELECT d.endpoint_id FROM deliveries d) ...`;',
      "const B = 'DELETE FROM messages WHERE id = $1';",
      'const C = "UPDATE endpoints e SET disabled = true";',
      'const D = `INSERT INTO background_tasks (id) VALUES ($1)`;',
    ].join('\n');
    expect(databaseAccessIn(source).map((hit) => hit.line)).toEqual([1, 4, 5, 6]);
  });

  it('ignores comments, prose and a class calling its own query method', () => {
    const source = [
      '// await this.dataSource.query(`SELECT id FROM messages`)',
      '/**',
      ' * Runs `SELECT 1 FROM endpoints` with dataSource.query(...) and getRepository(...)',
      ' */',
      "const message = 'select the messages from the list, then update the set';",
      'const outcome = cached?.outcome ?? (await this.query(name));',
      'const ratio = total / count; const re = /SELECT .* FROM/;',
      "const url = 'https://example.test/a//b'; // a comment with 'quotes'",
    ].join('\n');
    expect(databaseAccessIn(source)).toEqual([]);
  });

  it('knows a repository by its name', () => {
    expect(isRepositoryFile('/src/api/messages/messages.repository.ts')).toBe(true);
    expect(isRepositoryFile('/src/sources/source.store.ts')).toBe(true);
    expect(isRepositoryFile('/src/api/messages/messages.service.ts')).toBe(false);
  });
});
