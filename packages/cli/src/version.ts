// The command's version: the `version` of the package.json one folder above the built files, which
// is packages/cli/package.json in a clone and lib/cli/package.json in the installed `faecie` package
// (scripts/pack-layout.mjs stages it with the same version). `faecie --version` prints it.
import { readFileSync } from 'node:fs'

export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown }
  if (typeof manifest.version !== 'string') throw new Error('the faecie package.json has no version')
  return manifest.version
}
