// Reassignments: the partition moves in progress (listPartitionReassignments), each with its replicas
// now (those being added marked +, those being removed struck through), its target, ISR, leader and
// how many of the added replicas have caught up; and the replication throttle. Asked every
// REASSIGNMENT_REFRESH_RUNNING_MS while a move runs, less often while none does. A broker that does
// not have the op yet shows no moves (client.ts reassignments()).
import { useState } from 'preact/hooks'
import { REASSIGNMENT_REFRESH_IDLE_MS, REASSIGNMENT_REFRESH_RUNNING_MS, moveProgress, moveTarget } from '../cluster-view.js'
import { ErrorBox, PageHeader } from '../components/bits.js'
import { ReplicaList } from '../components/replicas.js'
import { formatBytes, formatCount } from '../format.js'
import { href } from '../router.js'
import { useLoad } from '../state.js'

export function ReassignmentsView() {
  // The poll interval follows what was last seen: quick while moves run (useLoad restarts on `running`).
  const [running, setRunning] = useState(false)
  const { data, error } = useLoad(async ({ client }) => {
    const answer = await client.reassignments()
    setRunning(answer.reassignments.length > 0)
    return answer
  }, [running], running ? REASSIGNMENT_REFRESH_RUNNING_MS : REASSIGNMENT_REFRESH_IDLE_MS)
  const moves = data?.reassignments ?? []
  const throttle = data?.throttleBytesPerSec ?? null
  return (
    <div class="page" data-testid="view-reassignments">
      <PageHeader title="Reassignments" sub={`partition moves in progress · refreshed every ${(running ? REASSIGNMENT_REFRESH_RUNNING_MS : REASSIGNMENT_REFRESH_IDLE_MS) / 1000}s`} />
      <ErrorBox error={error} />
      {data !== undefined && (
        <section class="card">
          <div class="card-title">
            Moves <span class="muted" data-testid="throttle">{throttle === null ? 'no replication throttle' : `throttle ${formatBytes(throttle)}/s per broker`}</span>
          </div>
          {moves.length === 0 ? (
            <div class="empty" data-testid="no-reassignments">No partition is being moved.</div>
          ) : (
            <table class="table" data-testid="reassignment-table">
              <thead><tr><th>Topic</th><th class="num">Partition</th><th>Replicas now</th><th>Target</th><th>ISR</th><th class="num">Leader</th><th class="num">Caught up</th></tr></thead>
              <tbody>
                {moves.map((m) => {
                  const progress = moveProgress(m)
                  return (
                    <tr key={`${m.topic}-${m.partition}`} data-testid={`move-${m.topic}-${m.partition}`}>
                      <td><a href={href('topics', m.topic)}>{m.topic}</a></td>
                      <td class="num">{m.partition}</td>
                      <td><ReplicaList ids={m.replicas} move={m} /></td>
                      <td class="mono">{moveTarget(m).join(', ')}</td>
                      <td class="mono">{m.isr.join(', ')}</td>
                      <td class="num">{m.leader < 0 ? 'none' : m.leader}</td>
                      <td class="num">{formatCount(progress.inSync)} / {formatCount(progress.adding)}</td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  )
}
