// One topic: per partition its leader, replicas and in-sync replicas (refreshed every few seconds;
// replicas a running move adds or removes are marked), log start offset, high watermark, log end
// offset and size (in a cluster as the replica of the broker the console is served from holds them;
// "–" where it has none); its config, editable key by key (blank resets a key to its default); adding partitions; deleting it
// (after typing its name). Links lead to its messages and to producing to it. A topic the broker
// does not have shows "not found" and none of these actions.
import type { MetadataPartition, OngoingReassignment } from '@faecie/protocol'
import { useState } from 'preact/hooks'
import { isUnderReplicated, movesByPartition } from '../cluster-view.js'
import { ConfirmDialog, ErrorBox, PageHeader, Stat } from '../components/bits.js'
import { TopicNotFound } from '../components/not-found.js'
import { ReplicaList } from '../components/replicas.js'
import { formatBytes, formatCount, formatRetentionMs } from '../format.js'
import { href } from '../router.js'
import { type ConsoleContext, useAction, useConsole, useLoad } from '../state.js'
import { describeTopicOrUndefined } from '../topic-lookup.js'

/** A config value as people say it, beside the raw one: 604800000 ms is 7d, 1048576 bytes 1 MiB. */
function configHint(key: string, value: string | undefined): string {
  const n = Number(value)
  if (value === undefined || value === '' || !Number.isFinite(n) || n < 0) return n === -1 ? '(no limit)' : ''
  if (key.endsWith('.ms')) return n >= 1000 ? `(${formatRetentionMs(value)})` : ''
  if (key.endsWith('.bytes')) return n >= 1024 ? `(${formatBytes(n)})` : ''
  return ''
}

/** How often the partitions' leaders, replicas and ISR are asked again. */
const REPLICAS_REFRESH_MS = 5_000

interface PartitionReplicas {
  meta: MetadataPartition
  move: OngoingReassignment | undefined
}

async function loadReplicas({ client }: ConsoleContext, topic: string): Promise<Map<number, PartitionReplicas>> {
  // Metadata of every topic, not of this one by name: a broker with --auto-create-topics would create
  // a topic asked for by name, and this page polls while its topic may be being deleted.
  const [metadata, moves] = await Promise.all([client.reader.cluster.metadata(), client.reassignments([topic])])
  const byPartition = movesByPartition(moves.reassignments)
  const partitions = metadata.topics.find((t) => t.topic === topic)?.partitions ?? []
  return new Map(partitions.map((meta) => [meta.partition, { meta, move: byPartition.get(`${topic}-${meta.partition}`) }]))
}

/** An offset, or "–" where the broker's replica has none (-1). */
function offset(n: number): string {
  return n < 0 ? '–' : formatCount(n)
}

function ConfigEditor({ topic, config, onSaved }: { topic: string; config: Record<string, string>; onSaved(): void }) {
  const { client } = useConsole()
  const action = useAction()
  const [editing, setEditing] = useState<string | undefined>(undefined)
  const [value, setValue] = useState('')
  const [newKey, setNewKey] = useState('')
  const save = async (key: string, next: string | null): Promise<void> => {
    const ok = await action.run(async () => {
      await client.admin.alterTopicConfig({ topic, config: { [key]: next } })
      return true
    })
    if (ok === true) {
      setEditing(undefined)
      onSaved()
    }
  }
  const keys = Object.keys(config).sort()
  return (
    <section class="card" data-testid="topic-config">
      <div class="card-title">Config</div>
      <ErrorBox error={action.error} onClose={action.clear} />
      <table class="table compact">
        <tbody>
          {keys.map((key) => (
            <tr key={key}>
              <td class="mono key">{key}</td>
              <td class="mono">
                {editing === key ? (
                  <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void save(key, value.trim() === '' ? null : value.trim()) }}>
                    <input value={value} autoFocus onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} data-testid="config-value" />
                    <button type="submit" class="primary" disabled={action.busy}>Save</button>
                    <button type="button" onClick={() => setEditing(undefined)}>Cancel</button>
                  </form>
                ) : (
                  <span>{config[key]} <span class="muted">{configHint(key, config[key])}</span></span>
                )}
              </td>
              <td class="right">
                {editing !== key && <button class="link" onClick={() => { setEditing(key); setValue(config[key] ?? '') }} data-testid={`edit-${key}`}>edit</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline-form add-key" onSubmit={(e) => { e.preventDefault(); if (newKey.trim() !== '') { setEditing(newKey.trim()); setValue('') } }}>
        <input placeholder="other key, e.g. max.message.bytes" value={newKey} onInput={(e) => setNewKey((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit">Set key…</button>
      </form>
      {editing !== undefined && !keys.includes(editing) && (
        <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void save(editing, value.trim()) }}>
          <code>{editing}</code> =
          <input value={value} autoFocus onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
          <button type="submit" class="primary" disabled={action.busy}>Save</button>
        </form>
      )}
    </section>
  )
}

export function TopicView({ topic }: { topic: string }) {
  const { client } = useConsole()
  const { data: found, error, reload } = useLoad(async ({ client: c }) => ({ topic: await describeTopicOrUndefined(c, topic) }), [topic])
  const data = found?.topic
  const missing = found !== undefined && found.topic === undefined
  const exists = data !== undefined
  // Polled only once the topic is found (a no-op load must not keep reporting the broker reachable).
  const { data: replicas } = useLoad(async (ctx) => (exists ? loadReplicas(ctx, topic) : undefined), [topic, exists], exists ? REPLICAS_REFRESH_MS : undefined)
  const action = useAction()
  const [count, setCount] = useState('')
  const [confirming, setConfirming] = useState(false)
  const partitions = data?.partitions ?? []
  const records = partitions.reduce((n, p) => n + Math.max(0, p.highWatermark - p.logStartOffset), 0)
  const size = partitions.reduce((n, p) => n + Math.max(0, p.sizeBytes), 0)
  const addPartitions = async (e: Event): Promise<void> => {
    e.preventDefault()
    const ok = await action.run(async () => {
      const n = Number(count)
      if (!Number.isSafeInteger(n) || n <= partitions.length) throw new RangeError(`The new partition count must be a whole number above ${partitions.length}.`)
      await client.admin.createPartitions({ topicPartitions: [{ topic, count: n }] })
      return true
    })
    if (ok === true) {
      setCount('')
      reload()
    }
  }
  const remove = async (): Promise<void> => {
    const ok = await action.run(async () => {
      await client.admin.deleteTopics({ topics: [topic] })
      return true
    })
    setConfirming(false)
    if (ok === true) location.hash = href('topics')
  }
  return (
    <div class="page" data-testid="view-topic">
      <PageHeader title={<><a href={href('topics')} class="crumb">Topics</a> / <span data-testid="topic-name">{topic}</span></>} sub={data?.topicId === undefined ? undefined : <span class="mono">{data.topicId}</span>}>
        {data !== undefined && (
          <>
            <a class="button" href={href('topics', topic, 'messages')} data-testid="browse-messages">Browse messages</a>
            <a class="button" href={`#/produce?topic=${encodeURIComponent(topic)}`}>Produce</a>
            <button class="danger" onClick={() => setConfirming(true)} data-testid="delete-topic">Delete</button>
          </>
        )}
      </PageHeader>
      <ErrorBox error={error} />
      {missing && <TopicNotFound topic={topic} />}
      <ErrorBox error={action.error} onClose={action.clear} />
      {confirming && (
        <ConfirmDialog
          title={`Delete topic ${topic}?`}
          body={<p>All {formatCount(records)} records in its {partitions.length} partitions are deleted. This cannot be undone.</p>}
          confirmLabel="Delete topic"
          confirmText={topic}
          busy={action.busy}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
      {data !== undefined && (
        <>
          <div class="stats">
            <Stat label="Partitions" value={partitions.length} />
            <Stat label="Records" value={formatCount(records)} />
            <Stat label="Size" value={formatBytes(size)} />
            <Stat label="Retention" value={formatRetentionMs(data.config?.['retention.ms'])} />
          </div>
          <div class="grid2 wide-left">
            <section class="card">
              <div class="card-title">Partitions</div>
              <table class="table" data-testid="partition-table">
                <thead><tr><th>Partition</th><th class="num">Leader</th><th>Replicas</th><th>ISR</th><th class="num">Log start</th><th class="num">High watermark</th><th class="num">Log end</th><th class="num">Records</th><th class="num">Size</th></tr></thead>
                <tbody>
                  {partitions.map((p) => {
                    const r = replicas?.get(p.partition)
                    const leader = r?.meta.leader
                    const under = r !== undefined && isUnderReplicated(r.meta, r.move)
                    return (
                      <tr key={p.partition} data-testid={`partition-${p.partition}`}>
                        <td class="num">{p.partition}</td>
                        <td class={`num${leader !== undefined && leader < 0 ? ' bad-text' : ''}`} data-testid="leader">{leader === undefined ? '…' : leader < 0 ? 'none' : leader}</td>
                        <td><ReplicaList ids={r?.meta.replicas} move={r?.move} testId="replicas" /></td>
                        <td class={under ? 'bad-text' : ''} title={under ? 'under-replicated' : undefined}><ReplicaList ids={r?.meta.isr} testId="isr" /></td>
                        <td class="num">{offset(p.logStartOffset)}</td>
                        <td class="num">{offset(p.highWatermark)}</td>
                        <td class="num">{offset(p.logEndOffset)}</td>
                        <td class="num">{p.highWatermark < 0 ? '–' : formatCount(p.highWatermark - p.logStartOffset)}</td>
                        <td class="num">{formatBytes(Math.max(0, p.sizeBytes))}</td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
              <form class="inline-form" onSubmit={addPartitions}>
                <span class="muted">Grow to</span>
                <input type="number" min={partitions.length + 1} placeholder={String(partitions.length + 1)} value={count} onInput={(e) => setCount((e.currentTarget as HTMLInputElement).value)} class="narrow" data-testid="partition-count" />
                <button type="submit" disabled={action.busy}>Add partitions</button>
              </form>
            </section>
            <ConfigEditor topic={topic} config={data.config ?? {}} onSaved={reload} />
          </div>
        </>
      )}
    </div>
  )
}
