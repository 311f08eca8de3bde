// The login page, shown when the broker requires credentials (auth.ts): user and password, a
// readable error for a wrong one (the broker's code name and message), and nothing kept: the
// password lives in the page's memory only, for the WebSocket's SCRAM login.
import { useState } from 'preact/hooks'
import { login, type Session } from '../auth.js'
import { ErrorBox } from '../components/bits.js'

export function LoginView({ base, onLogin }: { base: string; onLogin: (session: Session) => void }) {
  const [user, setUser] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      onLogin(await login(base, user, password))
    } catch (err) {
      setError(err)
      setPassword('')
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="login-shell">
      <form class="card login form" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <div class="brand-row"><span class="logo">f</span> <b>faecie</b></div>
        <div class="muted">This broker requires a login ({base.replace(/^https?:\/\//, '')}).</div>
        <label>
          User
          <input name="username" autocomplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} data-testid="login-user" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} data-testid="login-password" required />
        </label>
        <ErrorBox error={error} />
        <button class="primary" type="submit" disabled={busy || user === '' || password === ''} data-testid="login-submit">
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </div>
  )
}
