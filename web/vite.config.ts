import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// `pnpm dev` serves the app with hot reload and sends /api to the API on :3000 (`pnpm start`).
export default defineConfig({
  plugins: [vue()],
  // vue-i18n: Composition API only, messages compiled without eval (the CSP has no 'unsafe-eval').
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
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
