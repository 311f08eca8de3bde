// The controller's reassignment and preferred-election ops (alterPartitionReassignments, electLeaders)
// and its completion of moves, run against etcd: each partition is read fresh from etcd (the watched
// state may lag this controller's own last write), decided by controller-reassign.ts, and written by
// one compare-and-swap fenced by the controller epoch; a write that lost a race (the leader changed
// the ISR meanwhile) is read, decided and written again, up to CAS_RETRIES_MAX times. Each partition
// is answered on its own; a fenced controller answers NOT_CONTROLLER for what it could not write.
import { ErrorCode, FaecieError, type OpRequest, type OpResponse } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { ClusterState } from './cluster-state.js'
import { decideAlter, decideCompletion, decidePreferredElection, eligibleBrokers, type CompletionWrite } from './controller-reassign.js'
import { CAS_RETRIES_MAX } from './keys.js'
import { CasConflictError, ControllerFencedError, type ControllerFence, type EtcdMetadataStore } from './metadata-store.js'

export interface ReassignmentAdminOptions {
  store: EtcdMetadataStore
  state: () => ClusterState
  /** This broker's controller fence, or undefined: NOT_CONTROLLER. */
  fence: () => ControllerFence | undefined
  logger: Logger
}

type PartitionAnswer = { topic: string; partition: number; error?: ReturnType<FaecieError['toWire']> }

export class ReassignmentAdmin {
  /** Moves completed by this controller (tests, logs). */
  completed = 0

  constructor(readonly options: ReassignmentAdminOptions) {}

  async alter(request: OpRequest<'alterPartitionReassignments'>): Promise<OpResponse<'alterPartitionReassignments'>> {
    const fence = this.#fence()
    if (request.throttleBytesPerSec !== undefined) {
      const rate = request.throttleBytesPerSec === 0 ? null : request.throttleBytesPerSec
      try {
        await this.options.store.setReassignmentThrottle(fence, rate)
      } catch (err) {
        throw asFaecieError(err)
      }
      this.options.logger.info({ throttleBytesPerSec: rate }, 'reassignment throttle set')
    }
    const partitions: PartitionAnswer[] = []
    for (const { topic, partition, replicas } of request.partitions) {
      const name = `${topic}-${partition}`
      try {
        await this.#retry(name, async () => {
          const current = await this.#read(topic, partition)
          const state = this.options.state()
          const decision = decideAlter(name, current.value, replicas, new Set(state.brokers.keys()), eligibleBrokers(state))
          if (decision.kind === 'error') throw decision.error
          if (decision.kind === 'noop') return
          const assignment = await this.options.store.getAssignmentVersioned(topic)
          if (assignment === undefined) throw unknownPartition(name)
          await this.options.store.updatePartitionReplicas(fence, topic, partition, current, decision.next, assignment)
          this.options.logger.info({ topic, partition, target: replicas, replicas: decision.next.replicas, adding: decision.next.addingReplicas,
            removing: decision.next.removingReplicas }, replicas === null ? 'reassignment cancelled' : 'reassignment recorded')
        })
        partitions.push({ topic, partition })
      } catch (err) {
        partitions.push({ topic, partition, error: asFaecieError(err).toWire() })
      }
    }
    return { partitions }
  }

  async electPreferred(request: OpRequest<'electLeaders'>): Promise<OpResponse<'electLeaders'>> {
    const fence = this.#fence()
    const asked = request.partitions ?? this.#allPartitions()
    const partitions: (PartitionAnswer & { leader: number })[] = []
    for (const { topic, partition } of asked) {
      const name = `${topic}-${partition}`
      let leader = -1
      try {
        await this.#retry(name, async () => {
          const current = await this.#read(topic, partition)
          leader = current.value.leader
          const decision = decidePreferredElection(name, current.value, eligibleBrokers(this.options.state()))
          if (decision.kind === 'error') throw decision.error
          await this.options.store.updatePartition(topic, partition, current, decision.next, fence)
          leader = decision.next.leader
          this.options.logger.info({ topic, partition, leader, leaderEpoch: decision.next.leaderEpoch }, 'preferred leader elected')
        })
        partitions.push({ topic, partition, leader })
      } catch (err) {
        partitions.push({ topic, partition, leader, error: asFaecieError(err).toWire() })
      }
    }
    return { partitions }
  }

  /** Completes one move the pass found ready; a CAS conflict is left to the next pass (the watch brings the newer state). */
  async complete(fence: ControllerFence, write: CompletionWrite): Promise<void> {
    const assignment = await this.options.store.getAssignmentVersioned(write.topic)
    if (assignment === undefined) return
    // The pass decided from the watched state; decide again from what etcd has (the leader may have shrunk the ISR since).
    const current = await this.options.store.getPartition(write.topic, write.partition)
    if (current === undefined) return
    const next = decideCompletion(current.value, eligibleBrokers(this.options.state()))
    if (next === undefined) return
    try {
      await this.options.store.updatePartitionReplicas(fence, write.topic, write.partition, current, next, assignment)
    } catch (err) {
      if (err instanceof CasConflictError) return
      throw err
    }
    this.completed++
    this.options.logger.info({ topic: write.topic, partition: write.partition, replicas: next.replicas, isr: next.isr, leader: next.leader,
      leaderEpoch: next.leaderEpoch }, 'reassignment completed')
  }

  /** Every partition of every topic the watched state has, in topic then partition order. */
  #allPartitions(): { topic: string; partition: number }[] {
    const state = this.options.state()
    const out: { topic: string; partition: number }[] = []
    for (const topic of [...state.topics.keys()].sort()) {
      const count = state.topics.get(topic)!.value.partitions
      for (let partition = 0; partition < count; partition++) out.push({ topic, partition })
    }
    return out
  }

  async #read(topic: string, partition: number) {
    const record = this.options.state().topics.get(topic)
    if (record === undefined || partition >= record.value.partitions) throw unknownPartition(`${topic}-${partition}`)
    const current = await this.options.store.getPartition(topic, partition)
    if (current === undefined) throw unknownPartition(`${topic}-${partition}`)
    return current
  }

  async #retry(name: string, work: () => Promise<void>): Promise<void> {
    for (let attempt = 0; attempt < CAS_RETRIES_MAX; attempt++) {
      try {
        return await work()
      } catch (err) {
        if (!(err instanceof CasConflictError)) throw err
      }
    }
    throw new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, `${name} kept changing: gave up after ${CAS_RETRIES_MAX} attempts.`)
  }

  #fence(): ControllerFence {
    const fence = this.options.fence()
    if (fence === undefined) throw new FaecieError(ErrorCode.NOT_CONTROLLER, 'This broker is not the controller.')
    return fence
  }
}

function unknownPartition(name: string): FaecieError {
  return new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Partition ${name} does not exist.`)
}

function asFaecieError(err: unknown): FaecieError {
  if (err instanceof FaecieError) return err
  if (err instanceof ControllerFencedError) return new FaecieError(ErrorCode.NOT_CONTROLLER, err.message)
  return new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, `etcd: ${(err as Error).message}`)
}
