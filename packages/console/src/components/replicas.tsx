// A list of broker ids (replicas, ISR), replicas a running move adds marked + (green), those it removes
// struck through (red); its text (cluster-view.ts replicaList) is the title and what tests read.
import { type PartitionMove, replicaList } from '../cluster-view.js'

export function ReplicaList({ ids, move, testId }: { ids: number[] | undefined; move?: PartitionMove | undefined; testId?: string }) {
  if (ids === undefined || ids.length === 0) return <span data-testid={testId}>–</span>
  return (
    <span class="mono replicas" data-testid={testId} data-ids={ids.join(',')} title={replicaList(ids, move)}>
      {ids.map((id, i) => {
        const adding = move?.addingReplicas.includes(id) === true
        const removing = move?.removingReplicas.includes(id) === true
        return (
          <span key={id}>
            {i > 0 && ', '}
            <span class={adding ? 'replica-adding' : removing ? 'replica-removing' : ''}>{adding ? `+${id}` : id}</span>
          </span>
        )
      })}
    </span>
  )
}
