// Shared Jest settings: native ESM (NestJS 12 is ESM-only) with @swc/jest for TypeScript,
// legacy decorators and decorator metadata (TypeScript 7 has no compiler API for ts-jest).
/** @returns {import('jest').Config} */
export function jestConfig({ testMatch, setupFiles = [], testTimeout = 30_000 } = {}) {
  return {
    testEnvironment: 'node',
    testMatch: testMatch ?? ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
    setupFiles,
    testTimeout,
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            target: 'es2022',
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            keepClassNames: true,
          },
          module: { type: 'es6' },
        },
      ],
    },
  };
}
