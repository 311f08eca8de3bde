// Consumer groups: the list (state, members, epoch, total lag; sorted by any column), and one group: its members and
// their assignments, the committed offset, end and lag per partition with the total, and resetting
// its offsets of a topic (earliest, latest, an offset, a time) with a preview first; the broker
// refuses a reset while the group has members (NON_EMPTY_GROUP), so the form is offered when empty.
import { useState } from 'preact/hooks'
import type { ResetPlanEntry, ResetTarget } from '@faecie/client/browser'
import { ErrorBox, PageHeader, SortHeader, Stat } from '../components/bits.js'
import { formatCount } from '../format.js'
import { parseOffset, parseTime } from '../input.js'
import { href } from '../router.js'
import { useSort } from '../sort.js'
import { useAction, useConsole, useLoad } from '../state.js'

/** How often the groups refresh. */
const REFRESH_MS = 5_000

function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state.toLowerCase()}`}>{state}</span>
}

export function GroupsView() {
  const { data, error } = useLoad(async ({ client }) => {
    const { groups } = await client.admin.listGroups()
    const lags = await Promise.all(groups.map((g) => client.admin.fetchGroupLag({ groupId: g.groupId }).then((l) => l.totalLag, () => undefined)))
    return groups.map((g, i) => ({ ...g, totalLag: lags[i] }))
  }, [], REFRESH_MS)
  type GroupRow = NonNullable<typeof data>[number]
  type GroupColumn = 'groupId' | 'state' | 'members' | 'groupEpoch' | 'totalLag'
  const { sorted, state: sort, sortBy } = useSort<GroupRow, GroupColumn>(data ?? [], { key: 'groupId', direction: 'asc' }, (g, column) => g[column])
  return (
    <div class="page" data-testid="view-groups">
      <PageHeader title="Consumer groups" sub={data === undefined ? 'loading…' : `${data.length} groups`} />
      <ErrorBox error={error} />
      {data !== undefined && data.length === 0 && <div class="empty">No consumer groups yet.</div>}
      {data !== undefined && data.length > 0 && (
        <section class="card">
          <table class="table" data-testid="group-table">
            <thead>
              <tr>
                <th><SortHeader label="Group" column="groupId" sort={sort} onSort={sortBy} /></th>
                <th><SortHeader label="State" column="state" sort={sort} onSort={sortBy} /></th>
                <th class="num"><SortHeader label="Members" column="members" sort={sort} onSort={sortBy} numeric /></th>
                <th class="num"><SortHeader label="Epoch" column="groupEpoch" sort={sort} onSort={sortBy} numeric /></th>
                <th class="num"><SortHeader label="Total lag" column="totalLag" sort={sort} onSort={sortBy} numeric /></th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((g) => (
                <tr key={g.groupId} data-group={g.groupId}>
                  <td><a href={href('groups', g.groupId)}>{g.groupId}</a></td>
                  <td><StateBadge state={g.state} /></td>
                  <td class="num">{g.members}</td>
                  <td class="num">{g.groupEpoch}</td>
                  <td class="num">{g.totalLag === undefined ? '–' : formatCount(g.totalLag)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  )
}

type ResetKind = ResetTarget['to']

function ResetOffsets({ groupId, topics, empty, onDone }: { groupId: string; topics: string[]; empty: boolean; onDone(): void }) {
  const { client } = useConsole()
  const action = useAction()
  const [topic, setTopic] = useState(topics[0] ?? '')
  const [kind, setKind] = useState<ResetKind>('earliest')
  const [value, setValue] = useState('')
  const [plan, setPlan] = useState<ResetPlanEntry[] | undefined>(undefined)
  const target = (): ResetTarget => {
    if (kind === 'offset') return { to: 'offset', offset: parseOffset(value, 'The offset') }
    if (kind === 'timestamp') return { to: 'timestamp', timestamp: parseTime(value) }
    return { to: kind }
  }
  const run = async (dryRun: boolean): Promise<void> => {
    const result = await action.run(() => client.admin.resetOffsets({ groupId, topic, dryRun, ...target() }))
    if (result !== undefined) setPlan(result)
    if (result !== undefined && !dryRun) onDone()
  }
  return (
    <section class="card" data-testid="reset-offsets">
      <div class="card-title">Reset offsets {!empty && <span class="muted">— only while the group is empty (stop its consumers first)</span>}</div>
      <div class="inline-form">
        <select value={topic} onChange={(e) => { setTopic((e.currentTarget as HTMLSelectElement).value); setPlan(undefined) }}>
          {topics.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <select value={kind} onChange={(e) => { setKind((e.currentTarget as HTMLSelectElement).value as ResetKind); setPlan(undefined) }} data-testid="reset-kind">
          <option value="earliest">to earliest</option>
          <option value="latest">to latest</option>
          <option value="offset">to offset</option>
          <option value="timestamp">to time</option>
        </select>
        {(kind === 'offset' || kind === 'timestamp') && <input value={value} placeholder={kind === 'offset' ? '0' : '2026-12-01T10:00'} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />}
        <button disabled={action.busy || topic === ''} onClick={() => void run(true)} data-testid="reset-preview">Preview</button>
        <button class="danger" disabled={action.busy || !empty || plan === undefined} onClick={() => void run(false)} data-testid="reset-apply">Apply</button>
      </div>
      <ErrorBox error={action.error} onClose={action.clear} />
      {plan !== undefined && (
        <table class="table compact" data-testid="reset-plan">
          <thead><tr><th>Partition</th><th class="num">Committed now</th><th class="num">New offset</th></tr></thead>
          <tbody>{plan.map((p) => <tr key={p.partition}><td class="num">{p.partition}</td><td class="num">{p.current < 0 ? '–' : p.current}</td><td class="num">{p.offset}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  )
}

export function GroupView({ groupId }: { groupId: string }) {
  const { data, error, reload } = useLoad(async ({ client }) => {
    const [{ groups }, lag] = await Promise.all([client.admin.describeGroups([groupId]), client.admin.fetchGroupLag({ groupId })])
    return { group: groups[0], lag }
  }, [groupId], REFRESH_MS)
  const group = data?.group
  const topics = [...new Set(data?.lag.partitions.map((p) => p.topic) ?? [])]
  return (
    <div class="page" data-testid="view-group">
      <PageHeader title={<><a href={href('groups')} class="crumb">Consumer groups</a> / {groupId}</>} sub={group === undefined ? undefined : <>assignor {group.assignor || '–'} · epoch {group.groupEpoch}</>} />
      <ErrorBox error={error} />
      <ErrorBox error={group?.error === undefined ? undefined : Object.assign(new Error(group.error.message), { name: group.error.name })} />
      {data !== undefined && group !== undefined && (
        <>
          <div class="stats">
            <Stat label="State" value={<StateBadge state={group.state} />} />
            <Stat label="Members" value={group.members.length} />
            <Stat label="Total lag" value={<span data-testid="total-lag">{formatCount(data.lag.totalLag)}</span>} />
            <Stat label="Partitions" value={data.lag.partitions.length} />
          </div>
          <section class="card">
            <div class="card-title">Lag per partition</div>
            <table class="table" data-testid="lag-table">
              <thead><tr><th>Topic</th><th class="num">Partition</th><th class="num">Committed</th><th class="num">End</th><th class="num">Lag</th><th>Member</th></tr></thead>
              <tbody>
                {data.lag.partitions.map((p) => (
                  <tr key={`${p.topic}-${p.partition}`}>
                    <td><a href={href('topics', p.topic)}>{p.topic}</a></td>
                    <td class="num">{p.partition}</td>
                    <td class="num">{p.committed < 0 ? '–' : formatCount(p.committed)}</td>
                    <td class="num">{formatCount(p.end)}</td>
                    <td class={`num ${(p.lag ?? 0) > 0 ? 'lagging' : ''}`}>{p.lag === undefined ? '–' : formatCount(p.lag)}</td>
                    <td class="mono muted">{p.clientId ?? ''}{p.memberId === undefined ? '' : ` ${p.memberId.slice(0, 8)}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          {group.members.length > 0 && (
            <section class="card">
              <div class="card-title">Members</div>
              <table class="table">
                <thead><tr><th>Member</th><th>Client</th><th class="num">Epoch</th><th>Subscribed</th><th>Assignment</th></tr></thead>
                <tbody>
                  {group.members.map((m) => (
                    <tr key={m.memberId}>
                      <td class="mono">{m.memberId}</td>
                      <td>{m.clientId}</td>
                      <td class="num">{m.memberEpoch}</td>
                      <td>{m.subscribedTopicNames.join(', ') || m.subscribedTopicRegex || '–'}</td>
                      <td class="mono">{m.assignment.map((a) => `${a.topic}[${a.partitions.join(',')}]`).join(' ') || '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {topics.length > 0 && <ResetOffsets groupId={groupId} topics={topics} empty={group.members.length === 0} onDone={reload} />}
        </>
      )}
    </div>
  )
}
