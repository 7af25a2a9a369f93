import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the dispatcher at /portal (apps/dispatcher/src/portal/portal-static.ts).
export default defineConfig({
  base: '/portal/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets' },
});
