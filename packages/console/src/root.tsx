// The console's root: asks the broker whether it requires a login (auth.ts), shows the login page
// when it does, and the app with a client that logs in over the WebSocket once the user has. The
// session (password and token) is this component's state: memory only. Logging out revokes the
// token, closes the client and forgets both.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { App } from './app.js'
import { httpBase, logout, probeAuth, type Session } from './auth.js'
import { ConsoleClient } from './client.js'
import { LoginView } from './views/login.js'

type Phase = { name: 'probing' } | { name: 'login' } | { name: 'open' } | { name: 'in'; session: Session }

export function Root({ brokerUrl }: { brokerUrl: string }) {
  const base = useMemo(() => httpBase(brokerUrl), [brokerUrl])
  const [phase, setPhase] = useState<Phase>({ name: 'probing' })
  useEffect(() => {
    let live = true
    void probeAuth(base).then((probe) => { if (live) setPhase(probe.required ? { name: 'login' } : { name: 'open' }) })
    return () => { live = false }
  }, [base])
  const session = phase.name === 'in' ? phase.session : undefined
  const client = useMemo(() => {
    if (phase.name === 'open') return new ConsoleClient(brokerUrl)
    if (session !== undefined) return new ConsoleClient(brokerUrl, { username: session.user, password: session.password, mechanism: session.mechanism })
    return undefined
  }, [brokerUrl, phase.name, session])
  useEffect(() => () => { void client?.close() }, [client])

  if (phase.name === 'probing') return <div class="login-shell" data-testid="probing" />
  if (phase.name === 'login') return <LoginView base={base} onLogin={(s) => setPhase({ name: 'in', session: s })} />
  const onLogout = session === undefined ? undefined : async (): Promise<void> => {
    try {
      await logout(base, session)
    } finally {
      setPhase({ name: 'login' })
    }
  }
  return <App client={client!} {...(session === undefined ? {} : { principal: session.principal })} {...(onLogout === undefined ? {} : { onLogout })} />
}
