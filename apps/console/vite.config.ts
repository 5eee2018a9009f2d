import * as path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { gzipSync } from 'node:zlib';

const root = __dirname;
const apiTarget = process.env.CONSOLE_API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? '3000'}`;

/** Prints the gzip size of the JavaScript a first visit loads (the entry and its static imports): the budget's figure. */
function initialJsSize(): Plugin {
  return {
    name: 'takedown-initial-js-size',
    apply: 'build',
    generateBundle(_options, bundle) {
      const entry = Object.values(bundle).find((c) => c.type === 'chunk' && c.isEntry);
      if (!entry || entry.type !== 'chunk') return;
      const seen = new Set<string>();
      const visit = (file: string) => {
        const chunk = bundle[file];
        if (seen.has(file) || !chunk || chunk.type !== 'chunk') return;
        seen.add(file);
        chunk.imports.forEach(visit);
      };
      visit(entry.fileName);
      const bytes = [...seen].reduce((sum, file) => {
        const chunk = bundle[file];
        return sum + (chunk.type === 'chunk' ? gzipSync(chunk.code).length : 0);
      }, 0);
      this.emitFile({
        type: 'asset',
        fileName: 'initial-js.json',
        source: `${JSON.stringify({ files: [...seen], gzipBytes: bytes })}\n`,
      });
      process.stdout.write(
        `console: initial JavaScript ${(bytes / 1024).toFixed(1)} kB gzip (budget 250 kB)\n`,
      );
    },
  };
}

export default defineConfig({
  root,
  base: '/console/',
  plugins: [react(), initialJsSize()],
  // One file of the domain library at a time (`@takedown/domain/member-states`), for the constants the API checks
  // against: the whole library would bring zod and the rest into the chunk. apps/console/tsconfig.json says the same.
  resolve: {
    alias: [
      {
        find: /^@takedown\/domain\/(.+)$/,
        replacement: path.resolve(root, '..', '..', 'libs', 'domain', 'src', '$1'),
      },
    ],
  },
  build: {
    outDir: path.resolve(root, '..', '..', 'dist', 'console'),
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    // The budget that matters is the initial JavaScript's gzip size, printed and tested (console-bundle.spec.ts).
    chunkSizeWarningLimit: 1000,
  },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.CONSOLE_DEV_PORT ?? 5173),
    strictPort: true,
    // The dev server serves the console with hot reload; every API call goes to the API (`npm start`).
    proxy: { '/v1': { target: apiTarget, changeOrigin: false } },
  },
});
