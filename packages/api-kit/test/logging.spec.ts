import { describe, expect, it } from '@jest/globals';
import { SECRET_CONFIG_FIELDS } from '@switchyard/providers';
import { createRootLogger, REDACTED_LOG_PATHS } from '../src/index.js';

function capture() {
  const lines: string[] = [];
  const logger = createRootLogger({ level: 'trace', service: 'test', destination: { write: (line) => void lines.push(line) } });
  return { logger, text: () => lines.join('') };
}

describe('log redaction', () => {
  it("derives its paths from the providers' secret marks", () => {
    for (const field of SECRET_CONFIG_FIELDS) expect(REDACTED_LOG_PATHS).toEqual(expect.arrayContaining([field, `*.${field}`, `config.${field}`, `*.config.${field}`]));
    expect(new Set(REDACTED_LOG_PATHS).size).toBe(REDACTED_LOG_PATHS.length);
  });

  it('blanks every marked config field wherever a config is logged, and the keys settings hold', () => {
    const { logger, text } = capture();
    logger.info({ config: { secret: 'canary-1', signingToken: 'canary-2', toleranceSeconds: 60 } }, 'a config');
    logger.info({ source: { config: { verifyToken: 'canary-3' } } }, 'a source');
    logger.info({ event: { source: { config: { signingToken: 'canary-4' } } } }, 'deeper');
    logger.info({ signingToken: 'canary-5', body: { verifyToken: 'canary-6' } }, 'loose');
    logger.info({ settings: { adminApiKey: 'canary-7', secretEncryptionKeys: ['canary-8'] } }, 'settings');
    const out = text();
    for (let i = 1; i <= 8; i++) expect(out).not.toContain(`canary-${i}`);
    expect(out).toContain('"toleranceSeconds":60');
    expect(out.match(/\[redacted\]/g)).toHaveLength(8);
  });
});
