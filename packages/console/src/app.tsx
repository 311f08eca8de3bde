// The console's frame: the navigation, the disconnected-broker banner (shown while requests fail to
// reach the broker; a probe every few seconds gets through once it is back, the client reconnects
// by itself, and every view loads its data again), the UTC / local time toggle, the view of the
// current route, and an error boundary so that a bug in a view shows as a message instead of a
// blank page. With a login (root.tsx), the principal and a Log out button in the sidebar.
import { useCallback, useEffect, useErrorBoundary, useMemo, useRef, useState } from 'preact/hooks'
import type { ConsoleClient } from './client.js'
import { ErrorBox } from './components/bits.js'
import { type TimeZoneMode, describeError, isDisconnect } from './format.js'
import { type Route, useRoute } from './router.js'
import { Ctx, type ConsoleContext } from './state.js'
import { GroupView, GroupsView } from './views/groups.js'
import { MessagesView } from './views/messages.js'
import { OverviewView } from './views/overview.js'
import { ProduceView } from './views/produce.js'
import { ReassignmentsView } from './views/reassignments.js'
import { TopicView } from './views/topic.js'
import { TopicsView } from './views/topics.js'

/** How often a disconnected console asks the broker again. */
const PROBE_INTERVAL_MS = 3_000
/** Where the time zone choice is kept between visits. */
const TIME_ZONE_KEY = 'faecie.console.timeZone'

function storedTimeZone(): TimeZoneMode {
  try {
    return localStorage.getItem(TIME_ZONE_KEY) === 'local' ? 'local' : 'utc'
  } catch {
    return 'utc'
  }
}

const NAV: Array<{ view: Route['view']; label: string; href: string; also?: Route['view'][] }> = [
  { view: 'overview', label: 'Overview', href: '#/overview' },
  { view: 'topics', label: 'Topics', href: '#/topics', also: ['topic', 'messages'] },
  { view: 'produce', label: 'Produce', href: '#/produce' },
  { view: 'groups', label: 'Consumer groups', href: '#/groups', also: ['group'] },
  { view: 'reassignments', label: 'Reassignments', href: '#/reassignments' },
]

function View({ route }: { route: Route }) {
  const [error, reset] = useErrorBoundary()
  if (error !== undefined) {
    return (
      <div class="page">
        <ErrorBox error={error} />
        <button onClick={reset}>Try again</button>
      </div>
    )
  }
  switch (route.view) {
    case 'overview': return <OverviewView />
    case 'topics': return <TopicsView />
    case 'topic': return <TopicView topic={route.name!} />
    case 'messages': return <MessagesView key={route.name} topic={route.name!} />
    case 'produce': return <ProduceView initialTopic={route.query.get('topic') ?? ''} />
    case 'groups': return <GroupsView />
    case 'group': return <GroupView groupId={route.name!} />
    case 'reassignments': return <ReassignmentsView />
  }
}

export function App({ client, principal, onLogout }: { client: ConsoleClient; principal?: string; onLogout?: () => Promise<void> }) {
  const route = useRoute()
  const [lost, setLost] = useState<string | undefined>(undefined)
  const [reconnects, setReconnects] = useState(0)
  const [timeZone, setTimeZoneState] = useState<TimeZoneMode>(storedTimeZone)
  const setTimeZone = useCallback((zone: TimeZoneMode) => {
    setTimeZoneState(zone)
    try {
      localStorage.setItem(TIME_ZONE_KEY, zone)
    } catch {
      // Storage may be off (private windows): the choice then lasts as long as the page.
    }
  }, [])
  const reportOutcome = useCallback((err: unknown) => {
    if (err === undefined) setLost(undefined)
    else if (isDisconnect(err)) setLost(describeError(err).message)
  }, [])
  const ctx = useMemo<ConsoleContext>(() => ({ client, reportOutcome, reconnects, timeZone, setTimeZone }), [client, reportOutcome, reconnects, timeZone, setTimeZone])
  useEffect(() => {
    if (lost === undefined) return
    const timer = setInterval(() => {
      client.admin.listTopics().then(() => setLost(undefined), () => undefined)
    }, PROBE_INTERVAL_MS)
    return () => clearInterval(timer)
  }, [lost, client])
  // Once the broker is back, every view loads again, so an error box from the outage goes.
  const wasLost = useRef(false)
  useEffect(() => {
    if (lost !== undefined) wasLost.current = true
    else if (wasLost.current) {
      wasLost.current = false
      setReconnects((n) => n + 1)
    }
  }, [lost])
  useEffect(() => {
    const onRejection = (e: PromiseRejectionEvent): void => reportOutcome(e.reason)
    addEventListener('unhandledrejection', onRejection)
    return () => removeEventListener('unhandledrejection', onRejection)
  }, [reportOutcome])
  const host = client.brokerUrl.replace(/^wss?:\/\//, '').replace(/\/v1\/ws$/, '')
  return (
    <Ctx.Provider value={ctx}>
      <div class="shell">
        <nav class="sidebar">
          <a class="brand" href="#/overview">
            <span class="logo">f</span> faecie
          </a>
          {NAV.map((n) => (
            <a key={n.view} href={n.href} class={route.view === n.view || n.also?.includes(route.view) === true ? 'active' : ''} data-testid={`nav-${n.view}`}>
              {n.label}
            </a>
          ))}
          <div class="sidebar-foot">
            {principal !== undefined && (
              <div class="who" data-testid="principal">
                <span>{principal}</span>
                {onLogout !== undefined && <button onClick={() => void onLogout()} data-testid="logout">Log out</button>}
              </div>
            )}
            <div class="zone-toggle" role="group" aria-label="time zone">
              Times
              {(['utc', 'local'] as const).map((zone) => (
                <button key={zone} class={zone === timeZone ? 'on' : ''} aria-pressed={zone === timeZone} onClick={() => setTimeZone(zone)} data-testid={`zone-${zone}`}>
                  {zone === 'utc' ? 'UTC' : 'Local'}
                </button>
              ))}
            </div>
            <span class={`dot ${lost === undefined ? 'ok' : 'bad'}`} /> {host}
          </div>
        </nav>
        <main class="content">
          {lost !== undefined && (
            <div class="banner" role="status" data-testid="disconnected">
              Broker unreachable ({lost}). Reconnecting…
            </div>
          )}
          <View key={`${route.view}/${route.name ?? ''}`} route={route} />
        </main>
      </div>
    </Ctx.Provider>
  )
}
