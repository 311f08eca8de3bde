// The page's code: subscribes to every partition of a topic from its end (live pushes from the
// broker) with @faecie/client, and shows a running count and the last 50 records per key. The broker
// URL and topic come from the query string (?broker=ws://...&topic=...), else from /config.json.
import { Faecie } from '/faecie.js'

const RECORDS_PER_KEY_MAX = 50
const text = new TextDecoder()
const $ = (id) => document.getElementById(id)

const defaults = await (await fetch('/config.json')).json()
const params = new URLSearchParams(location.search)
const brokerUrl = params.get('broker') ?? defaults.broker
const topic = params.get('topic') ?? defaults.topic
$('topic').textContent = topic

let count = 0
/** key -> its last records, newest first, and the <ol> showing them. */
const byKey = new Map()
const dirty = new Set()

function show(message) {
  count++
  const key = message.key === null ? '(no key)' : text.decode(message.key)
  let entry = byKey.get(key)
  if (entry === undefined) {
    const section = document.createElement('section')
    const title = document.createElement('h2')
    title.textContent = key
    entry = { records: [], list: document.createElement('ol') }
    entry.list.dataset.key = key
    section.append(title, entry.list)
    $('keys').append(section)
    byKey.set(key, entry)
  }
  const value = message.value === null ? 'null' : text.decode(message.value)
  entry.records.unshift(`${message.partition}@${message.offset} ${value}`)
  if (entry.records.length > RECORDS_PER_KEY_MAX) entry.records.length = RECORDS_PER_KEY_MAX
  dirty.add(entry)
}

/** Repaints what changed, at most once a frame however fast records come. */
function render() {
  $('count').textContent = String(count)
  for (const entry of dirty) {
    entry.list.replaceChildren(...entry.records.map((line) => {
      const item = document.createElement('li')
      item.textContent = line
      return item
    }))
  }
  dirty.clear()
  requestAnimationFrame(render)
}

/** Browsers do not tell a page why a WebSocket was refused: after a while, say what to check. */
const SLOW_CONNECT_MS = 5_000
const slow = setTimeout(() => {
  $('status').textContent = `still connecting to ${brokerUrl}: is the broker running, and does it allow this page's origin? ` +
    `(start it with --allowed-origins ${location.origin})`
  $('status').className = 'error'
}, SLOW_CONNECT_MS)

async function main() {
  const faecie = new Faecie({ brokers: [brokerUrl], clientId: 'live-dashboard' })
  const admin = faecie.admin()
  // Start at each partition's end: the dashboard shows what happens from now on.
  const ends = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const consumer = faecie.consumer({ mode: 'push' })
  consumer.assign(ends.map(({ partition, offset }) => ({ topic, partition, offset })))
  clearTimeout(slow)
  $('status').className = ''
  $('status').textContent = `live from ${brokerUrl}, ${ends.length} partitions`
  document.body.dataset.ready = 'true'
  requestAnimationFrame(render)
  for await (const message of consumer.stream()) show(message)
}

main().catch((err) => {
  clearTimeout(slow)
  $('status').textContent = `error: ${err.errorName ?? err.name}: ${err.message}`
  $('status').className = 'error'
})
