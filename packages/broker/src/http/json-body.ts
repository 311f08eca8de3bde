// The JSON body parser of the API's routes: fastify's own (which refuses __proto__ and constructor
// keys), after a cheap scan that refuses JSON nested deeper than jsonDepthMax (400 INVALID_REQUEST).
// JSON.parse itself copes with deep nesting, but everything that walks the value afterwards
// (JSON.stringify of a `json`-encoded key or value, validation) recurses, and would overflow the
// stack on a body nested 100,000 deep: a 500 where the client deserves a 400.
import type { FastifyInstance } from 'fastify'
import { invalidInput } from './errors.js'

/** True when `text` opens more than `depthMax` arrays and objects inside each other (strings skipped). */
export function jsonNestedDeeperThan(text: string, depthMax: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > depthMax) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}

/** Replaces the JSON parser of `api` (an encapsulated context) with the depth-checking one. */
export function useDepthCheckedJsonParser(api: FastifyInstance, depthMax: number): void {
  const parse = api.getDefaultJsonParser('error', 'error')
  api.removeContentTypeParser('application/json')
  api.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonNestedDeeperThan(body as string, depthMax)) {
      done(invalidInput('body', `JSON nested more than ${depthMax} deep (jsonDepthMax)`), undefined)
      return
    }
    parse(request, body as string, done)
  })
}
