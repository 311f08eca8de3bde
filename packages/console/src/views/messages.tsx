// The message browser: choose partitions and where to start (earliest, latest, an offset, a time),
// then page forward and back through a topic; or switch to live tail, where new records appear as
// they are appended (pause stops the subscription). Rows show offset, partition, time, key, header
// count and the value in one line, decoded as the chosen format (auto-detected per record by
// default); a row opens the record in full. A filter keeps rows whose key or value contains a
// substring. The list is virtualised: 10,000+ records stay smooth. Times show their time zone (the
// sidebar's UTC / local toggle); "Export" downloads the loaded records as JSON lines. A topic the
// broker does not have shows "not found" and no controls.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ErrorBox, PageHeader } from '../components/bits.js'
import { TopicNotFound } from '../components/not-found.js'
import { RecordDetail } from '../components/record-detail.js'
import { VirtualList } from '../components/virtual-list.js'
import { VALUE_FORMATS, type ValueFormat, detectFormat, previewValue } from '../decode.js'
import { download, exportFileName, recordsAsJsonLines } from '../export-records.js'
import { type BrowsedRecord, fetchPage } from '../fetch.js'
import { formatCount, formatTimestamp } from '../format.js'
import { type PartitionWindow, type Positions, type StartAt, hasNext, hasPrevious, nextPositions, perPartition, previousPositions, startPositions } from '../paging.js'
import { parseOffset, parseTime } from '../input.js'
import { href } from '../router.js'
import { LiveTail, prependBounded } from '../tail.js'
import { useAction, useConsole, useLoad } from '../state.js'
import { describeTopicOrUndefined } from '../topic-lookup.js'

const ROW_PX = 30
const PAGE_SIZES = [50, 200, 1000, 10_000]
const text = new TextDecoder()

type StartKind = 'earliest' | 'latest' | 'offset' | 'timestamp'

function matches(r: BrowsedRecord, needle: string): boolean {
  if (needle === '') return true
  const has = (b: Uint8Array | null): boolean => b !== null && text.decode(b).toLowerCase().includes(needle)
  return has(r.key) || has(r.value)
}

export function MessagesView({ topic }: { topic: string }) {
  const { client, timeZone } = useConsole()
  const lookup = useLoad(async ({ client: c }) => ({ topic: await describeTopicOrUndefined(c, topic) }), [topic])
  const described = { data: lookup.data?.topic, error: lookup.error }
  const action = useAction()
  const [selected, setSelected] = useState<number[] | undefined>(undefined)
  const [startKind, setStartKind] = useState<StartKind>('latest')
  const [startValue, setStartValue] = useState('')
  const [pageSize, setPageSize] = useState(200)
  const [format, setFormat] = useState<ValueFormat | 'auto'>('auto')
  const [filter, setFilter] = useState('')
  const [records, setRecords] = useState<BrowsedRecord[]>([])
  const [page, setPage] = useState<{ windows: PartitionWindow[]; start: Positions; next: Positions } | undefined>(undefined)
  const [open, setOpen] = useState<BrowsedRecord | undefined>(undefined)
  const [tailing, setTailing] = useState(false)
  const [paused, setPaused] = useState(false)
  const [tailError, setTailError] = useState<unknown>(undefined)
  const tail = useRef<LiveTail | undefined>(undefined)

  const all = (described.data?.partitions ?? []).map((p) => p.partition)
  const chosen = selected ?? all

  const windowsNow = async (): Promise<PartitionWindow[]> => {
    const [t] = await client.admin.describeTopics({ topics: [topic] })
    return (t?.partitions ?? []).filter((p) => chosen.includes(p.partition)).map((p) => ({ partition: p.partition, low: p.logStartOffset, high: p.highWatermark }))
  }

  const load = async (positionsFor: (windows: PartitionWindow[]) => Promise<Positions> | Positions): Promise<void> => {
    await action.run(async () => {
      const windows = await windowsNow()
      const start = await positionsFor(windows)
      const fetched = await fetchPage(client, { topic, windows, positions: start, share: perPartition(pageSize, windows.length) })
      setRecords(fetched.records)
      setPage({ windows, start, next: nextPositions(start, fetched.lastRead) })
      setOpen(undefined)
    })
  }

  const startAt = async (windows: PartitionWindow[]): Promise<Positions> => {
    let start: StartAt
    if (startKind === 'offset') {
      start = { kind: 'offset', offset: parseOffset(startValue, 'The start offset') }
    } else if (startKind === 'timestamp') {
      const offsets = await client.admin.fetchTopicOffsetsByTimestamp(topic, parseTime(startValue))
      start = { kind: 'offsets', offsets: new Map(offsets.map((o) => [o.partition, o.offset])) }
    } else {
      start = { kind: startKind }
    }
    return startPositions(windows, start, pageSize)
  }

  const stopTail = (): void => {
    void tail.current?.close()
    tail.current = undefined
    setTailing(false)
    setPaused(false)
  }

  const startTail = async (): Promise<void> => {
    stopTail()
    await action.run(async () => {
      const windows = await windowsNow()
      setRecords([])
      setPage(undefined)
      setOpen(undefined)
      setTailError(undefined)
      tail.current = new LiveTail(client, topic, windows.map((w) => ({ partition: w.partition, offset: w.high })),
        (fresh) => setRecords((kept) => prependBounded(kept, fresh)), setTailError)
      setTailing(true)
    })
  }

  useEffect(() => () => void tail.current?.close(), [])
  // The first page once the topic is known.
  useEffect(() => {
    if (described.data !== undefined && page === undefined && !tailing) void load(startAt)
  }, [described.data !== undefined])

  const needle = filter.trim().toLowerCase()
  const shown = useMemo(() => records.filter((r) => matches(r, needle)), [records, needle])
  const formatOf = (r: BrowsedRecord): ValueFormat => (format === 'auto' ? detectFormat(r.value) : format)
  const listPx = Math.max(240, (typeof innerHeight === 'number' ? innerHeight : 800) - (open === undefined ? 300 : 560))

  if (lookup.data !== undefined && lookup.data.topic === undefined) {
    return (
      <div class="page" data-testid="view-messages">
        <PageHeader title={<><a href={href('topics')} class="crumb">Topics</a> / {topic} / Messages</>} />
        <TopicNotFound topic={topic} />
      </div>
    )
  }
  return (
    <div class="page" data-testid="view-messages">
      <PageHeader title={<><a href={href('topics')} class="crumb">Topics</a> / <a href={href('topics', topic)} class="crumb">{topic}</a> / Messages</>}
        sub={tailing ? (paused ? 'live tail paused' : 'live tail: new records appear as they arrive') : page === undefined ? 'browse records' : `${formatCount(records.length)} records on this page`}>
        <button disabled={records.length === 0} onClick={() => download(exportFileName(topic, Date.now()), recordsAsJsonLines(topic, records))}
          title="the loaded records as JSON lines, in the shape of faecie consume --format json" data-testid="export">Export {formatCount(records.length)} as JSON lines</button>
        <a class="button" href={`#/produce?topic=${encodeURIComponent(topic)}`}>Produce</a>
      </PageHeader>
      <ErrorBox error={described.error} />
      <div class="card controls">
        <div class="control-group">
          <span class="control-label">Partitions</span>
          <span class="chips" data-testid="partition-chips">
            {all.map((p) => (
              <label key={p} class={`chip ${chosen.includes(p) ? 'on' : ''}`}>
                <input type="checkbox" checked={chosen.includes(p)} onChange={() => setSelected(chosen.includes(p) ? chosen.filter((x) => x !== p) : [...chosen, p].sort((a, b) => a - b))} />
                {p}
              </label>
            ))}
          </span>
        </div>
        <div class="control-group">
          <span class="control-label">Start</span>
          <select value={startKind} onChange={(e) => setStartKind((e.currentTarget as HTMLSelectElement).value as StartKind)} data-testid="start-kind">
            <option value="earliest">earliest</option>
            <option value="latest">latest</option>
            <option value="offset">offset</option>
            <option value="timestamp">timestamp</option>
          </select>
          {(startKind === 'offset' || startKind === 'timestamp') && (
            <input class="narrow-wide" value={startValue} placeholder={startKind === 'offset' ? '0' : '2026-12-01T10:00'} onInput={(e) => setStartValue((e.currentTarget as HTMLInputElement).value)} data-testid="start-value" />
          )}
          <select value={pageSize} onChange={(e) => setPageSize(Number((e.currentTarget as HTMLSelectElement).value))} title="records per page" data-testid="page-size">
            {PAGE_SIZES.map((n) => <option key={n} value={n}>{formatCount(n)} / page</option>)}
          </select>
          <button class="primary" disabled={action.busy || chosen.length === 0} onClick={() => { stopTail(); void load(startAt) }} data-testid="load">Load</button>
          <button disabled={action.busy || tailing || page === undefined || !hasPrevious(page.start, page.windows)} onClick={() => page !== undefined && void load(() => previousPositions(page.start, page.windows, pageSize))} data-testid="prev">◀ Back</button>
          <button disabled={action.busy || tailing || page === undefined || !hasNext(page.next, page.windows)} onClick={() => page !== undefined && void load(() => page.next)} data-testid="next">Forward ▶</button>
        </div>
        <div class="control-group">
          <span class="control-label">Live</span>
          {!tailing ? (
            <button onClick={() => void startTail()} disabled={action.busy || chosen.length === 0} data-testid="tail-start">● Live tail</button>
          ) : (
            <>
              <button onClick={() => { if (paused) tail.current?.resume(); else tail.current?.pause(); setPaused(!paused) }} data-testid="tail-pause">{paused ? '▶ Resume' : '❚❚ Pause'}</button>
              <button onClick={stopTail} data-testid="tail-stop">Stop</button>
            </>
          )}
        </div>
      </div>
      <div class="toolbar">
        <input class="filter" type="search" placeholder="Filter by key or value…" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} data-testid="message-filter" />
        <span class="segmented" title="how values are shown">
          {(['auto', ...VALUE_FORMATS] as const).map((f) => (
            <button key={f} class={f === format ? 'on' : ''} onClick={() => setFormat(f)} data-testid={`format-${f}`}>{f}</button>
          ))}
        </span>
        <span class="muted">{needle === '' ? `${formatCount(records.length)} records` : `${formatCount(shown.length)} of ${formatCount(records.length)} match`}</span>
        {page !== undefined && <span class="muted mono" data-testid="page-start">from {[...page.start].map(([p, o]) => `p${p}@${o}`).join(' ')}</span>}
      </div>
      <ErrorBox error={action.error} onClose={action.clear} />
      <ErrorBox error={tailError} />
      <div class="thead msg-grid"><span class="num">Offset</span><span class="num">Part.</span><span>Timestamp</span><span>Key</span><span>Value</span><span class="num">Hdrs</span></div>
      {shown.length === 0 && <div class="empty">{tailing ? 'Waiting for new records…' : action.busy ? 'Loading…' : 'No records here.'}</div>}
      <VirtualList
        items={shown}
        rowPx={ROW_PX}
        heightPx={Math.min(listPx, Math.max(ROW_PX * 3, shown.length * ROW_PX))}
        testId="message-list"
        resetKey={`${needle}|${page === undefined ? 'tail' : [...page.start].join(',')}`}
        rowKey={(r) => `${r.partition}:${r.offset}`}
        renderRow={(r) => (
          <div class={`trow msg-grid ${open === r ? 'selected' : ''}`} onClick={() => setOpen(r)} data-offset={r.offset} data-partition={r.partition}>
            <span class="num mono">{r.offset}</span>
            <span class="num">{r.partition}</span>
            <span class="mono muted">{formatTimestamp(r.timestamp, timeZone)}</span>
            <span class="mono key-cell">{r.key === null ? <span class="muted">null</span> : previewValue(r.key, 'text', 60)}</span>
            <span class="mono value-cell">{previewValue(r.value, formatOf(r))}</span>
            <span class="num muted">{r.headers.length || ''}</span>
          </div>
        )}
      />
      {open !== undefined && <RecordDetail key={`${open.partition}:${open.offset}`} record={open} timeZone={timeZone} onClose={() => setOpen(undefined)} />}
    </div>
  )
}
