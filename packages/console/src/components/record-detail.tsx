// One record in full: its coordinates, key, headers and value, each in a format the user may
// switch (auto-detected first).
import { useState } from 'preact/hooks'
import { VALUE_FORMATS, type ValueFormat, detectFormat, renderValue } from '../decode.js'
import type { BrowsedRecord } from '../fetch.js'
import { type TimeZoneMode, formatTimestamp } from '../format.js'

function Bytes({ label, bytes, format }: { label: string; bytes: Uint8Array | null; format: ValueFormat | 'auto' }) {
  const chosen = format === 'auto' ? detectFormat(bytes) : format
  const rendered = renderValue(bytes, chosen)
  return (
    <div class="detail-block">
      <div class="detail-label">{label} <span class="badge">{chosen}</span> <span class="muted">{bytes === null ? 'null' : `${bytes.length} bytes`}</span></div>
      <pre class={rendered.ok ? 'value' : 'value bad'} data-testid={`detail-${label.toLowerCase()}`}>{rendered.text}</pre>
    </div>
  )
}

export function RecordDetail({ record, timeZone, onClose }: { record: BrowsedRecord; timeZone: TimeZoneMode; onClose(): void }) {
  const [format, setFormat] = useState<ValueFormat | 'auto'>('auto')
  return (
    <aside class="detail card" data-testid="record-detail">
      <div class="card-title">
        Partition {record.partition} · offset {record.offset}
        <span class="muted" data-testid="detail-time">{formatTimestamp(record.timestamp, timeZone)}</span>
        <span class="spacer" />
        <span class="segmented">
          {(['auto', ...VALUE_FORMATS] as const).map((f) => (
            <button key={f} class={f === format ? 'on' : ''} onClick={() => setFormat(f)} data-testid={`detail-format-${f}`}>{f}</button>
          ))}
        </span>
        <button class="link" onClick={onClose} aria-label="close">✕</button>
      </div>
      <Bytes label="Key" bytes={record.key} format={format === 'auto' ? 'auto' : format} />
      {record.headers.length > 0 && (
        <div class="detail-block">
          <div class="detail-label">Headers</div>
          <table class="table compact">
            <tbody>
              {record.headers.map((h, i) => (
                <tr key={i}><td class="mono key">{h.key}</td><td class="mono">{renderValue(h.value, detectFormat(h.value) === 'hex' ? 'hex' : 'text').text}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Bytes label="Value" bytes={record.value} format={format} />
    </aside>
  )
}
