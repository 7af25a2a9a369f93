import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the dispatcher at /portal (apps/dispatcher/src/portal/portal-static.ts).
export default defineConfig({
  base: '/portal/',
  plugins: [react()],
  // `vite` (dev): API calls go to a running dispatcher, so a portal link's fragment works on :5173/portal/.
  server: { proxy: { '/api': process.env.DISPATCHER_URL ?? 'http://localhost:3001' } },
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets' },
});
