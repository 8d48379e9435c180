import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const api = process.env.VITE_API_PROXY ?? 'http://127.0.0.1:3000';

// In development the portal reaches the API the way it does behind nginx: /api/* (prefix stripped) and /socket.io.
export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: true, rewrite: (path) => path.replace(/^\/api/, '') },
      '/socket.io': { target: api, ws: true, changeOrigin: true },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts'],
  },
});
