// Topics: every user topic with its partitions, record count (the sum over partitions of
// highWatermark - logStartOffset), size, retention and cleanup policy, in a filtered, virtualised
// list that stays quick with thousands of topics and sorts by any column; and the form that creates
// one (name, partitions, config).
import { useMemo, useState } from 'preact/hooks'
import { ErrorBox, PageHeader, SortHeader } from '../components/bits.js'
import { VirtualList } from '../components/virtual-list.js'
import { formatBytes, formatCount, formatRetentionMs } from '../format.js'
import { parseConfigLines } from '../input.js'
import { href } from '../router.js'
import { useSort, type SortValue } from '../sort.js'
import { type ConsoleContext, useAction, useConsole, useLoad } from '../state.js'

/** Topics described per request. */
const DESCRIBE_CHUNK = 200
const ROW_PX = 34

export interface TopicRow {
  topic: string
  partitions: number
  records: number
  sizeBytes: number
  retentionMs: string | undefined
  cleanupPolicy: string | undefined
}

type TopicColumn = 'topic' | 'partitions' | 'records' | 'sizeBytes' | 'retentionMs' | 'cleanupPolicy'

/** A row's value in a column, for sorting: retention as a number, -1 (forever) above every other. */
function topicSortValue(row: TopicRow, column: TopicColumn): SortValue {
  if (column === 'retentionMs') {
    const ms = row.retentionMs === undefined ? undefined : Number(row.retentionMs)
    return ms === undefined ? undefined : ms < 0 ? Number.POSITIVE_INFINITY : ms
  }
  return row[column]
}

export async function loadTopicRows({ client }: ConsoleContext): Promise<TopicRow[]> {
  const names = (await client.admin.listTopics()).sort()
  const rows: TopicRow[] = []
  for (let i = 0; i < names.length; i += DESCRIBE_CHUNK) {
    // The op itself, not admin.describeTopics: a topic deleted since it was listed is skipped, not an error for all.
    const { topics: described } = await client.reader.cluster.request('describeTopics', { topics: names.slice(i, i + DESCRIBE_CHUNK) })
    for (const t of described) {
      if (t.error !== undefined) continue
      const partitions = t.partitions ?? []
      rows.push({
        topic: t.topic,
        partitions: partitions.length,
        records: partitions.reduce((n, p) => n + (p.highWatermark - p.logStartOffset), 0),
        sizeBytes: partitions.reduce((n, p) => n + p.sizeBytes, 0),
        retentionMs: t.config?.['retention.ms'],
        cleanupPolicy: t.config?.['cleanup.policy'],
      })
    }
  }
  return rows
}

function CreateTopic({ onCreated, onClose }: { onCreated(name: string): void; onClose(): void }) {
  const { client } = useConsole()
  const action = useAction()
  const [name, setName] = useState('')
  const [partitions, setPartitions] = useState('1')
  const [config, setConfig] = useState('retention.ms=604800000')
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    const done = await action.run(async () => {
      const numPartitions = Number(partitions)
      if (!Number.isSafeInteger(numPartitions) || numPartitions < 1) throw new RangeError(`Partitions must be a whole number >= 1, not "${partitions}".`)
      await client.admin.createTopics({ topics: [{ topic: name.trim(), numPartitions, config: parseConfigLines(config) }] })
      return true
    })
    if (done === true) onCreated(name.trim())
  }
  return (
    <form class="card form" onSubmit={submit} data-testid="create-topic-form">
      <div class="card-title">New topic</div>
      <div class="form-row">
        <label class="field grow">Name<input name="topic" value={name} required placeholder="orders" onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} /></label>
        <label class="field narrow">Partitions<input name="partitions" type="number" min="1" value={partitions} onInput={(e) => setPartitions((e.currentTarget as HTMLInputElement).value)} /></label>
      </div>
      <label class="field"><span>Config <span class="muted">(key=value per line)</span></span>
        <textarea name="config" rows={3} value={config} onInput={(e) => setConfig((e.currentTarget as HTMLTextAreaElement).value)} />
      </label>
      <ErrorBox error={action.error} />
      <div class="form-actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="submit" class="primary" disabled={action.busy} data-testid="create-topic-submit">Create topic</button>
      </div>
    </form>
  )
}

export function TopicsView() {
  const { data, error, loading, reload } = useLoad(loadTopicRows, [])
  const [filter, setFilter] = useState('')
  const [creating, setCreating] = useState(false)
  const filtered = useMemo(() => {
    const needle = filter.trim().toLowerCase()
    return (data ?? []).filter((r) => needle === '' || r.topic.toLowerCase().includes(needle))
  }, [data, filter])
  const { sorted: rows, state: sort, sortBy } = useSort<TopicRow, TopicColumn>(filtered, { key: 'topic', direction: 'asc' }, topicSortValue)
  const listPx = Math.max(200, Math.min(rows.length * ROW_PX, (typeof innerHeight === 'number' ? innerHeight : 800) - (creating ? 460 : 230)))
  return (
    <div class="page" data-testid="view-topics">
      <PageHeader title="Topics" sub={data === undefined ? 'loading…' : `${formatCount(data.length)} topics`}>
        <button onClick={reload} disabled={loading}>Refresh</button>
        <button class="primary" onClick={() => setCreating(true)} data-testid="new-topic">New topic</button>
      </PageHeader>
      {creating && <CreateTopic onClose={() => setCreating(false)} onCreated={(name) => { setCreating(false); location.hash = href('topics', name) }} />}
      <ErrorBox error={error} />
      <div class="toolbar">
        <input class="filter" type="search" placeholder="Filter topics…" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} data-testid="topic-filter" />
        <span class="muted">{formatCount(rows.length)} shown</span>
      </div>
      <div class="thead topic-grid">
        <span><SortHeader label="Name" column="topic" sort={sort} onSort={sortBy} /></span>
        <span class="num"><SortHeader label="Partitions" column="partitions" sort={sort} onSort={sortBy} numeric /></span>
        <span class="num"><SortHeader label="Records" column="records" sort={sort} onSort={sortBy} numeric /></span>
        <span class="num"><SortHeader label="Size" column="sizeBytes" sort={sort} onSort={sortBy} numeric /></span>
        <span class="num"><SortHeader label="Retention" column="retentionMs" sort={sort} onSort={sortBy} numeric /></span>
        <span><SortHeader label="Cleanup policy" column="cleanupPolicy" sort={sort} onSort={sortBy} /></span>
      </div>
      {data !== undefined && rows.length === 0 && <div class="empty">{data.length === 0 ? 'No topics yet. Create one with "New topic".' : 'No topic matches the filter.'}</div>}
      <VirtualList
        items={rows}
        rowPx={ROW_PX}
        heightPx={listPx}
        testId="topic-list"
        resetKey={`${filter}|${sort.key}|${sort.direction}`}
        rowKey={(r) => r.topic}
        renderRow={(r) => (
          <a class="trow topic-grid" href={href('topics', r.topic)} data-topic={r.topic}>
            <span class="name">{r.topic}</span>
            <span class="num">{r.partitions}</span>
            <span class="num">{formatCount(r.records)}</span>
            <span class="num">{formatBytes(r.sizeBytes)}</span>
            <span class="num">{formatRetentionMs(r.retentionMs)}</span>
            <span title={`cleanup.policy=${r.cleanupPolicy ?? '–'}`}><span class="config-value" data-testid="cleanup-policy">{r.cleanupPolicy ?? '–'}</span></span>
          </a>
        )}
      />
    </div>
  )
}
