// Overview: every broker of the cluster (state, controller, leaderships, under-replicated partitions;
// the one the console is served from with its version, uptime and memory), the counts of topics,
// partitions, bytes and unhealthy partitions, and produce / consume rates over the last minutes from
// the `stats` op's series. A single broker shows itself as the one broker. Against a broker without
// `stats`, the counts come from metadata and describeTopics, without rates.
import type { BrokerStats } from '../client.js'
import { type ClusterSummary, stateLabel, summarizeCluster } from '../cluster-view.js'
import { ErrorBox, PageHeader, Sparkline, Stat } from '../components/bits.js'
import { formatBytes, formatCount, formatDuration, formatRate, formatRetentionMs } from '../format.js'
import { href } from '../router.js'
import { type ConsoleContext, useLoad } from '../state.js'
import { seriesRates } from '../rates.js'
import { loadTopicRows } from './topics.js'

/** How often the overview refreshes. */
const REFRESH_MS = 5_000
/** The rate charts' time axis: the `stats` series covers the last five minutes. */
const RATE_WINDOW_MS = 5 * 60_000
/** The overview's topic table: the largest few, refreshed less often (it describes every topic). */
const LARGEST_TOPICS = 8
const TOPICS_REFRESH_MS = 15_000
/** Topics described per request when counting without `stats`. */
const DESCRIBE_CHUNK = 200

interface Overview {
  stats: BrokerStats | undefined
  cluster: ClusterSummary
  moves: number
  topics: number
  partitions: number
  sizeBytes: number | undefined
}

async function loadOverview({ client }: ConsoleContext): Promise<Overview> {
  const [stats, { topics }, described, { reassignments }] = await Promise.all([
    client.stats(), client.reader.cluster.metadata(), client.admin.describeCluster(), client.reassignments()])
  const cluster = summarizeCluster(described, topics, reassignments)
  const user = topics.filter((t) => !t.internal)
  const moves = reassignments.length
  if (stats !== undefined) return { stats, cluster, moves, topics: stats.topics, partitions: stats.partitions, sizeBytes: stats.sizeBytes }
  let sizeBytes = 0
  for (let i = 0; i < user.length; i += DESCRIBE_CHUNK) {
    const described = await client.admin.describeTopics({ topics: user.slice(i, i + DESCRIBE_CHUNK).map((t) => t.topic) })
    for (const t of described) for (const p of t.partitions ?? []) sizeBytes += Math.max(0, p.sizeBytes)
  }
  return { stats, cluster, moves, topics: user.length, partitions: user.reduce((n, t) => n + t.partitions.length, 0), sizeBytes }
}

function Rates({ stats }: { stats: BrokerStats }) {
  const recordsIn = seriesRates(stats, 'recordsIn')
  const recordsOut = seriesRates(stats, 'recordsOut')
  const bytesIn = seriesRates(stats, 'bytesIn')
  const bytesOut = seriesRates(stats, 'bytesOut')
  // The legend gives the last complete point (the partial one may be a moment old).
  const last = (s: number[]): number => (s.length >= 2 ? s[s.length - 2] : s[0]) ?? 0
  const slots = Math.round(RATE_WINDOW_MS / stats.intervalMs)
  const span = `last ${Math.round(RATE_WINDOW_MS / 60_000)} min · ${stats.intervalMs / 1000}s points`
  return (
    <div class="grid2">
      <section class="card" data-testid="rate-records">
        <div class="card-title">
          Records / s <span class="muted">{span}</span>
          <span class="legend"><i class="s0" /> produced {formatCount(Math.round(last(recordsIn)))} <i class="s1" /> consumed {formatCount(Math.round(last(recordsOut)))}</span>
        </div>
        <Sparkline series={[recordsIn, recordsOut]} slots={slots} formatTick={(v) => formatRate(v, 'records')} labels={['records produced per second', 'records consumed per second']} />
      </section>
      <section class="card" data-testid="rate-bytes">
        <div class="card-title">
          Bytes / s <span class="muted">{span}</span>
          <span class="legend"><i class="s0" /> in {formatBytes(Math.round(last(bytesIn)))} <i class="s1" /> out {formatBytes(Math.round(last(bytesOut)))}</span>
        </div>
        <Sparkline series={[bytesIn, bytesOut]} slots={slots} formatTick={(v) => formatRate(v, 'bytes')} labels={['bytes in per second', 'bytes out per second']} />
      </section>
    </div>
  )
}

function LargestTopics() {
  const { data, error } = useLoad(loadTopicRows, [], TOPICS_REFRESH_MS)
  const top = [...(data ?? [])].sort((a, b) => b.sizeBytes - a.sizeBytes || b.records - a.records).slice(0, LARGEST_TOPICS)
  return (
    <section class="card">
      <div class="card-title">Largest topics <a class="muted" href={href('topics')}>all topics →</a></div>
      <ErrorBox error={error} />
      {data !== undefined && data.length === 0 && <div class="empty">No topics yet.</div>}
      {top.length > 0 && (
        <table class="table compact">
          <thead><tr><th>Topic</th><th class="num">Partitions</th><th class="num">Records</th><th class="num">Size</th><th class="num">Retention</th></tr></thead>
          <tbody>
            {top.map((t) => (
              <tr key={t.topic}>
                <td><a href={href('topics', t.topic)}>{t.topic}</a></td>
                <td class="num">{t.partitions}</td>
                <td class="num">{formatCount(t.records)}</td>
                <td class="num">{formatBytes(t.sizeBytes)}</td>
                <td class="num">{formatRetentionMs(t.retentionMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function subtitle(cluster: ClusterSummary | undefined, stats: BrokerStats | undefined): string {
  const version = stats === undefined ? '' : ` · faecie ${stats.serverVersion}`
  if (cluster?.mode === 'cluster') return `cluster of ${cluster.brokers.filter((b) => b.state !== 'offline').length} live brokers${stats === undefined ? '' : ` · served by broker ${stats.brokerId}`}${version}`
  return stats === undefined ? 'cluster at a glance' : `broker ${stats.brokerId}${version}`
}

/** Every broker: state, controller, leaderships, under-replicated; the serving broker's own figures. */
function Brokers({ cluster, stats, moves }: { cluster: ClusterSummary; stats: BrokerStats | undefined; moves: number }) {
  return (
    <section class="card" data-testid="brokers">
      <div class="card-title">
        Brokers
        {moves > 0 && <a class="muted" href={href('reassignments')} data-testid="moves-running">{formatCount(moves)} partition moves running →</a>}
      </div>
      <table class="table">
        <thead><tr><th class="num">ID</th><th>Address</th><th>State</th><th>Role</th><th class="num">Leaderships</th><th class="num">Under-replicated</th><th>Version</th><th>Uptime</th><th>RSS</th><th>Heap used</th></tr></thead>
        <tbody>
          {cluster.brokers.map((b) => {
            const own = stats !== undefined && stats.brokerId === b.brokerId ? stats : undefined
            return (
              <tr key={b.brokerId} data-testid={`broker-${b.brokerId}`} data-state={b.state}>
                <td class="num">{b.brokerId}</td>
                <td class="mono">{b.url ?? '–'}{b.rack !== null && <span class="muted"> · rack {b.rack}</span>}</td>
                <td><span class={`badge broker-${b.state}`} data-testid="broker-state">{stateLabel(b.state)}</span></td>
                <td>{b.controller && <span class="badge controller" data-testid="controller">controller</span>}</td>
                <td class="num" data-testid="leaderships">{formatCount(b.leaderships)}</td>
                <td class={`num${b.underReplicated > 0 ? ' bad-text' : ''}`} data-testid="broker-under-replicated">{formatCount(b.underReplicated)}</td>
                <td>{own?.serverVersion ?? '–'}</td>
                <td>{own === undefined ? '–' : formatDuration(own.uptimeMs)}</td>
                <td>{own === undefined ? '–' : formatBytes(own.rssBytes)}</td>
                <td>{own === undefined ? '–' : formatBytes(own.heapUsedBytes)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </section>
  )
}

export function OverviewView() {
  const { data, error } = useLoad(loadOverview, [], REFRESH_MS)
  const stats = data?.stats
  return (
    <div class="page" data-testid="view-overview">
      <PageHeader title="Overview" sub={subtitle(data?.cluster, stats)} />
      <ErrorBox error={error} />
      {data !== undefined && (
        <>
          <div class="stats">
            <Stat label="Topics" value={<a href={href('topics')}>{formatCount(data.topics)}</a>} />
            <Stat label="Partitions" value={formatCount(data.partitions)} />
            <Stat label="Total size" value={data.sizeBytes === undefined ? '–' : formatBytes(data.sizeBytes)} />
            <Stat label="Sessions" value={stats === undefined ? '–' : formatCount(stats.sessions)} />
            <Stat label="Under-replicated" value={<span data-testid="under-replicated-count">{formatCount(data.cluster.underReplicated)}</span>}
              hint={data.cluster.offline > 0 ? <span class="bad-text" data-testid="offline-count">{formatCount(data.cluster.offline)} offline</span> : undefined} />
          </div>
          <Brokers cluster={data.cluster} stats={stats} moves={data.moves} />
          {stats !== undefined ? <Rates stats={stats} /> : <div class="note">This broker does not report rates (no <code>stats</code> op); counts come from its metadata.</div>}
          <LargestTopics />
        </>
      )}
    </div>
  )
}
