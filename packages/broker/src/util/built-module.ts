// Worker threads and child processes run built JavaScript. Under vitest the calling module is a
// TypeScript source in `src/`; this maps a sibling module name to its build output in `dist/`, so that
// tests run the same files a user's broker runs (`pnpm test` builds first).
import { fileURLToPath } from 'node:url'

export function builtModulePath(relative: string, callerUrl: string): string {
  const path = fileURLToPath(new URL(relative, callerUrl))
  if (!callerUrl.endsWith('.ts')) return path
  return path.replace(/\/src\//, '/dist/').replace(/\.ts$/, '.js')
}
