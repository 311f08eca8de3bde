// The console's login (issue 19). On load the console asks the broker's HTTP API who it is
// (GET /v1/auth/whoami): a 401 means the broker runs with --auth scram and the login page is shown.
// The login exchanges the user and password for a bearer token (POST /v1/auth/tokens), which checks
// the password and gives a readable error for a wrong one before any WebSocket is opened; logging out
// revokes the token (DELETE /v1/auth/tokens/current).
//
// The console's data comes over the WebSocket (@faecie/client), which logs in with SCRAM on every
// (re)connect and so needs the password itself: the password and the token are kept in this page's
// memory only (the Session below, held by the root component), never in localStorage nor
// sessionStorage. A reload, or a new tab, asks for them again. Every request here sends
// X-Requested-With so that the broker does not answer with a Basic challenge (which would make the
// browser pop up its own login dialog).
import { FaecieError } from '@faecie/client/browser'

/** What a logged-in console holds, in memory only. */
export interface Session {
  user: string
  principal: string
  /** For the WebSocket's SCRAM login on every (re)connect. */
  password: string
  /** The SCRAM mechanism the broker matched the password with. */
  mechanism: string
  token: string
  expiresAtMs: number
}

export type AuthProbe = { required: false } | { required: true }

const SCRIPT_HEADERS = { 'x-requested-with': 'faecie-console' }

/** The broker's HTTP base for its WebSocket address: ws://host:port/v1/ws -> http://host:port. */
export function httpBase(brokerUrl: string): string {
  const url = new URL(brokerUrl)
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:'
  return `${url.protocol}//${url.host}`
}

type Fetch = typeof globalThis.fetch

/** The broker's error body as a FaecieError (code name shown by the console's error box). */
async function errorOf(response: Response, what: string): Promise<FaecieError> {
  try {
    const body = (await response.json()) as { error?: { code: number; name: string; message: string; retriable: boolean } }
    if (body.error !== undefined) {
      return new FaecieError(body.error.code, body.error.message, { errorName: body.error.name, retriable: body.error.retriable })
    }
  } catch {
    // Not the API's JSON: say what the status was.
  }
  return new FaecieError(-1, `${what}: HTTP ${response.status} ${response.statusText}`, { errorName: 'HTTP_ERROR', retriable: response.status >= 500 })
}

/**
 * Whether the broker wants a login. A broker without the auth routes (older) or unreachable is taken
 * as not asking: the console then shows its usual disconnected banner.
 */
export async function probeAuth(base: string, fetchFn: Fetch = fetch): Promise<AuthProbe> {
  try {
    const response = await fetchFn(`${base}/v1/auth/whoami`, { headers: SCRIPT_HEADERS, credentials: 'omit' })
    if (response.status === 401) return { required: true }
    return { required: false }
  } catch {
    return { required: false }
  }
}

/** Logs in: a token for the user and password; throws the broker's error (wrong password: SASL_AUTHENTICATION_FAILED). */
export async function login(base: string, user: string, password: string, fetchFn: Fetch = fetch): Promise<Session> {
  const response = await fetchFn(`${base}/v1/auth/tokens`, {
    method: 'POST',
    headers: { ...SCRIPT_HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }),
    credentials: 'omit',
  })
  if (response.status !== 201) throw await errorOf(response, 'Login failed')
  const body = (await response.json()) as { token: string; principal: string; mechanism?: string; expiresAtMs: number }
  return { user, password, principal: body.principal, mechanism: body.mechanism ?? 'SCRAM-SHA-256', token: body.token, expiresAtMs: body.expiresAtMs }
}

/** Logs out: revokes the token (an expired or already revoked one is fine). */
export async function logout(base: string, session: Session, fetchFn: Fetch = fetch): Promise<void> {
  const response = await fetchFn(`${base}/v1/auth/tokens/current`, {
    method: 'DELETE',
    headers: { ...SCRIPT_HEADERS, authorization: `Bearer ${session.token}` },
    credentials: 'omit',
  })
  if (response.status !== 200 && response.status !== 401) throw await errorOf(response, 'Logout failed')
}
