import { defineConfig } from 'vitest/config';

// End-to-end: a real dispatcher (child process, own database and queue prefix), a real receiver on
// loopback, and Debian's headless Chromium driven by playwright-core. One file at a time, one browser.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
