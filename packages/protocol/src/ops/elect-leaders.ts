// Op `electLeaders` (Kafka's ElectLeaders, `kafka-leader-election --election-type PREFERRED`): gives
// each partition's leadership to its preferred replica (the first of its replicas) when that
// replica is alive and in the ISR. Every partition of the cluster when `partitions` is absent. Each
// partition is answered on its own: its leader after the election, or ELECTION_NOT_NEEDED (already
// led by it), PREFERRED_LEADER_NOT_AVAILABLE (not alive, or not in the ISR),
// UNKNOWN_TOPIC_OR_PARTITION. Unclean elections are never made. Sent to a broker that is not the
// controller: forwarded to it, or NOT_CONTROLLER.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { invalidField, parseOp, PARTITION_RANGE } from './fields.js'

export interface ElectLeadersRequest {
  electionType: 'preferred'
  partitions?: { topic: string; partition: number }[]
}

export interface ElectLeadersResponse {
  partitions: { topic: string; partition: number; leader: number; error?: WireError }[]
}

export function parseElectLeadersRequest(frame: RequestFrame): Parsed<ElectLeadersRequest> {
  return parseOp(frame, (f) => {
    const electionType = f.str('electionType')
    if (electionType !== 'preferred') throw invalidField('electionType', "'preferred'", electionType)
    const request: ElectLeadersRequest = { electionType }
    if (f.has('partitions')) request.partitions = f.maps('partitions', (p) => ({ topic: p.str('topic'), partition: p.int('partition', PARTITION_RANGE) }))
    return request
  })
}
