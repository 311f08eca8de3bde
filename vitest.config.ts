import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Tests share two cores with everything else: at most two test files at a time (one under CI), and
// every thread pool the tests start is capped by the tests themselves.
const maxWorkers = process.env.CI ? 1 : 2
const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources of sibling packages; worker threads and broker processes run
    // the built JavaScript (`pnpm test` builds first).
    alias: [
      { find: /^@faecie\/protocol$/, replacement: src('./packages/protocol/src/index.ts') },
      { find: /^@faecie\/protocol\/node$/, replacement: src('./packages/protocol/src/node.ts') },
      // Tests run in Node: the client's Node entry (it installs the ws transport and native codecs).
      { find: /^@faecie\/client$/, replacement: src('./packages/client/src/node.ts') },
      { find: /^@faecie\/client\/node$/, replacement: src('./packages/client/src/node.ts') },
      { find: /^@faecie\/client\/browser$/, replacement: src('./packages/client/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // Names this run's temp dirs and fails the run if any is left behind.
    globalSetup: ['./test/support/temp-dir-leaks.ts'],
    // After each test file: kill the broker processes it left running and remove its temp dirs.
    setupFiles: ['./test/support/vitest-setup.ts'],
    pool: 'forks',
    maxWorkers,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
