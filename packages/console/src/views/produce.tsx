// Produce one record from the browser: topic, key, value (sent as text, as checked JSON, or as
// MessagePack packed from JSON), headers (`name: value` per line), and a partition or the default
// partitioner (murmur2 of the key, as Kafka's). Shows where the record went.
import { pack } from 'msgpackr'
import { useState } from 'preact/hooks'
import { ErrorBox, PageHeader } from '../components/bits.js'
import { parseHeaderLines } from '../input.js'
import { href } from '../router.js'
import { useAction, useConsole, useLoad } from '../state.js'

type Encoding = 'text' | 'json' | 'msgpack'

function encodeValue(value: string, encoding: Encoding): string | Uint8Array {
  if (encoding === 'text') return value
  let parsed: unknown
  try {
    parsed = JSON.parse(value) as unknown
  } catch (err) {
    throw new SyntaxError(`The value is not JSON: ${(err as Error).message}`)
  }
  return encoding === 'json' ? JSON.stringify(parsed) : pack(parsed)
}

export function ProduceView({ initialTopic }: { initialTopic: string }) {
  const { client } = useConsole()
  const topics = useLoad(async ({ client: c }) => (await c.reader.cluster.metadata()).topics.filter((t) => !t.internal), [])
  const action = useAction()
  const [topic, setTopic] = useState(initialTopic)
  const [partition, setPartition] = useState('')
  const [key, setKey] = useState('')
  const [value, setValue] = useState('')
  const [encoding, setEncoding] = useState<Encoding>('text')
  const [headers, setHeaders] = useState('')
  const [sent, setSent] = useState<Array<{ topic: string; partition: number; offset: number }>>([])
  const partitions = topics.data?.find((t) => t.topic === topic)?.partitions.length ?? 0

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    const result = await action.run(async () => {
      if (topic.trim() === '') throw new Error('Choose a topic.')
      const message = {
        key: key === '' ? null : key,
        value: encodeValue(value, encoding),
        headers: parseHeaderLines(headers),
        ...(partition === '' ? {} : { partition: Number(partition) }),
      }
      const [meta] = await client.producer().send({ topic: topic.trim(), messages: [message] })
      return { topic: topic.trim(), partition: meta!.partition, offset: meta!.baseOffset }
    })
    if (result !== undefined) setSent((list) => [result, ...list].slice(0, 10))
  }

  return (
    <div class="page" data-testid="view-produce">
      <PageHeader title="Produce" sub="send one record" />
      <ErrorBox error={topics.error} />
      <div class="grid2 wide-left">
        <form class="card form" onSubmit={submit} data-testid="produce-form">
          <div class="form-row">
            <label class="field grow">Topic
              <input name="topic" list="topic-names" value={topic} required onInput={(e) => setTopic((e.currentTarget as HTMLInputElement).value)} />
              <datalist id="topic-names">{topics.data?.map((t) => <option key={t.topic} value={t.topic} />)}</datalist>
            </label>
            <label class="field narrow-wide">Partition
              <select name="partition" value={partition} onChange={(e) => setPartition((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">partitioner (by key)</option>
                {Array.from({ length: partitions }, (_, p) => <option key={p} value={String(p)}>{p}</option>)}
              </select>
            </label>
          </div>
          <label class="field"><span>Key <span class="muted">(empty: no key)</span></span>
            <input name="key" value={key} onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label class="field">Value
            <textarea name="value" rows={7} class="mono" value={value} onInput={(e) => setValue((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          <div class="form-row center">
            <span class="control-label">Send value as</span>
            <span class="segmented">
              {(['text', 'json', 'msgpack'] as const).map((f) => (
                <button type="button" key={f} class={f === encoding ? 'on' : ''} onClick={() => setEncoding(f)} data-testid={`encoding-${f}`}>{f === 'msgpack' ? 'MessagePack (from JSON)' : f === 'json' ? 'JSON' : 'text'}</button>
              ))}
            </span>
          </div>
          <label class="field"><span>Headers <span class="muted">(name: value per line)</span></span>
            <textarea name="headers" rows={3} class="mono" value={headers} onInput={(e) => setHeaders((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          <ErrorBox error={action.error} onClose={action.clear} />
          <div class="form-actions">
            <button type="submit" class="primary" disabled={action.busy} data-testid="produce-submit">Produce</button>
          </div>
        </form>
        <section class="card">
          <div class="card-title">Sent</div>
          {sent.length === 0 ? <div class="empty">Nothing sent yet.</div> : (
            <table class="table compact" data-testid="produce-results">
              <thead><tr><th>Topic</th><th class="num">Partition</th><th class="num">Offset</th></tr></thead>
              <tbody>
                {sent.map((s, i) => (
                  <tr key={i}><td><a href={href('topics', s.topic, 'messages')}>{s.topic}</a></td><td class="num">{s.partition}</td><td class="num">{s.offset}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  )
}
