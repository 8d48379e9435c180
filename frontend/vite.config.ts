import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const api = process.env.VITE_API_PROXY ?? 'http://127.0.0.1:3000';

// In development the portal reaches the API the way it does behind nginx: /api/* (prefix stripped) and /socket.io.
export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: true, rewrite: (path) => path.replace(/^\/api/, '') },
      '/socket.io': { target: api, ws: true, changeOrigin: true },
    },
  },
  build: {
    rolldownOptions: {
      output: {
        // Framework code changes rarely: keep it in its own long-cached chunk. naive-ui stays split per page, so
        // the first load does not carry tables and date pickers.
        codeSplitting: {
          groups: [
            { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router|pinia)[\\/]/ },
            {
              name: 'socket',
              test: /node_modules[\\/](socket\.io-client|engine\.io-client|socket\.io-parser|engine\.io-parser|@socket\.io)[\\/]/,
            },
          ],
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts'],
    setupFiles: ['src/test/setup.ts'],
    mockReset: true,
    unstubGlobals: true,
  },
});
