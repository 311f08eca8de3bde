// Overview: the broker (id, version, address, uptime, memory), the counts of topics, partitions and
// bytes, and produce / consume rates over the last minutes from the `stats` op's series. Against a
// broker without `stats`, the counts come from metadata and describeTopics, without rates.
import type { BrokerStats } from '../client.js'
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
  brokers: Array<{ brokerId: number; url: string }>
  topics: number
  partitions: number
  sizeBytes: number | undefined
}

async function loadOverview({ client }: ConsoleContext): Promise<Overview> {
  const stats = await client.stats()
  const { topics, brokers } = await client.reader.cluster.metadata()
  const user = topics.filter((t) => !t.internal)
  if (stats !== undefined) return { stats, brokers, topics: stats.topics, partitions: stats.partitions, sizeBytes: stats.sizeBytes }
  let sizeBytes = 0
  for (let i = 0; i < user.length; i += DESCRIBE_CHUNK) {
    const described = await client.admin.describeTopics({ topics: user.slice(i, i + DESCRIBE_CHUNK).map((t) => t.topic) })
    for (const t of described) for (const p of t.partitions ?? []) sizeBytes += p.sizeBytes
  }
  return { stats, brokers, topics: user.length, partitions: user.reduce((n, t) => n + t.partitions.length, 0), sizeBytes }
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

export function OverviewView() {
  const { data, error } = useLoad(loadOverview, [], REFRESH_MS)
  const stats = data?.stats
  return (
    <div class="page" data-testid="view-overview">
      <PageHeader title="Overview" sub={stats === undefined ? 'cluster at a glance' : `broker ${stats.brokerId} · faecie ${stats.serverVersion}`} />
      <ErrorBox error={error} />
      {data !== undefined && (
        <>
          <div class="stats">
            <Stat label="Topics" value={<a href={href('topics')}>{formatCount(data.topics)}</a>} />
            <Stat label="Partitions" value={formatCount(data.partitions)} />
            <Stat label="Total size" value={data.sizeBytes === undefined ? '–' : formatBytes(data.sizeBytes)} />
            <Stat label="Sessions" value={stats === undefined ? '–' : formatCount(stats.sessions)} />
          </div>
          <section class="card">
            <div class="card-title">Brokers</div>
            <table class="table">
              <thead><tr><th class="num">ID</th><th>Address</th><th>Version</th><th>Uptime</th><th>RSS</th><th>Heap used</th></tr></thead>
              <tbody>
                {data.brokers.map((b) => {
                  const own = stats !== undefined && stats.brokerId === b.brokerId ? stats : undefined
                  return (
                    <tr key={b.brokerId}>
                      <td class="num">{b.brokerId}</td>
                      <td class="mono">{b.url}</td>
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
          {stats !== undefined ? <Rates stats={stats} /> : <div class="note">This broker does not report rates (no <code>stats</code> op); counts come from its metadata.</div>}
          <LargestTopics />
        </>
      )}
    </div>
  )
}
