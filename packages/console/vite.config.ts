// Vite's build of the console: a static bundle in dist/, served by the broker at /ui (hence the
// base), with Preact's automatic JSX runtime. No dev server settings are needed beyond `vite`:
// run a broker with `--allowed-origins http://localhost:5173` and open the dev server's page.
import { defineConfig } from 'vite'

export default defineConfig({
  base: '/ui/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    reportCompressedSize: false,
  },
})
