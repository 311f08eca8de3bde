// A small, safe static file handler for the console's built files: a request path is decoded,
// resolved inside the root and refused unless it stays there (no `..`, no NUL, no absolute paths),
// and only regular files are served. Vite's hashed assets (under assets/) are cached for a year;
// everything else (index.html) is revalidated on every load, so a new build shows at once.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/** Assets whose names carry a content hash: safe to cache for good. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable'
export const REVALIDATE_CACHE = 'no-cache'

export interface StaticFile {
  path: string
  sizeBytes: number
  contentType: string
  cacheControl: string
}

/**
 * The file a URL path (below the mount point, e.g. `assets/index-abc.js`) names inside `root`, or
 * undefined when it names nothing servable: outside the root, badly encoded, not a regular file.
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<StaticFile | undefined> {
  let relative: string
  try {
    relative = decodeURIComponent(urlPath.split('?')[0]!)
  } catch {
    return undefined
  }
  if (relative.includes('\0') || relative.includes('\\')) return undefined
  const base = resolve(root)
  const path = resolve(base, `.${relative.startsWith('/') ? '' : '/'}${relative}`)
  if (path !== base && !path.startsWith(base + sep)) return undefined
  let info
  try {
    info = await stat(path)
  } catch {
    return undefined
  }
  if (!info.isFile()) return undefined
  const inAssets = path.startsWith(resolve(base, 'assets') + sep)
  return {
    path,
    sizeBytes: info.size,
    contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    cacheControl: inAssets ? IMMUTABLE_CACHE : REVALIDATE_CACHE,
  }
}

export function openStaticFile(file: StaticFile): NodeJS.ReadableStream {
  return createReadStream(file.path)
}
