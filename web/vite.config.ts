import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// `pnpm dev` serves the app with hot reload and sends /api to the API on :3000 (`pnpm start`).
export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: {
      '/api': { target: process.env.API_URL ?? 'http://localhost:3000', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline assets beyond what the CSP allows (img-src 'self' data:).
    assetsInlineLimit: 0,
  },
});
