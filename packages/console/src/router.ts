// Hash routes, so that the broker serves one index.html for the whole console and a reload keeps
// the view: #/overview, #/topics, #/topics/<name>, #/topics/<name>/messages, #/produce?topic=,
// #/groups, #/groups/<id>, #/reassignments.
import { useEffect, useState } from 'preact/hooks'

export interface Route {
  view: 'overview' | 'topics' | 'topic' | 'messages' | 'produce' | 'groups' | 'group' | 'reassignments'
  name?: string
  query: URLSearchParams
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?')
  const query = new URLSearchParams(search)
  const parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p))
  const [first, name, rest] = parts
  if (first === 'topics' && name !== undefined) return { view: rest === 'messages' ? 'messages' : 'topic', name, query }
  if (first === 'topics') return { view: 'topics', query }
  if (first === 'groups' && name !== undefined) return { view: 'group', name, query }
  if (first === 'groups') return { view: 'groups', query }
  if (first === 'produce') return { view: 'produce', query }
  if (first === 'reassignments') return { view: 'reassignments', query }
  return { view: 'overview', query }
}

export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const onChange = (): void => setHash(location.hash)
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return parseRoute(hash)
}
