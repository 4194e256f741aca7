import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the edge at /console (strict CSP: scripts and styles from files only, nothing inline).
// `npm run dev -w @eudr/console` proxies the API and the runtime config to a running stack's edge.
const edge = process.env.EDGE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    // No inline module-preload polyfill: every script comes from a file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/api': edge, '/console/config.json': edge },
  },
});
