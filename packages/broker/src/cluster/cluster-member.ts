// One broker's membership of a cluster: its session (a lease, kept alive, fencing itself), its
// registration under that lease (brokers/<id>, keys.ts), and its part in the controller election.
//
//   const store = new EtcdMetadataStore(client, new ClusterKeys(name))
//   const clusterId = await store.getOrCreateClusterId()
//   loadOrCreateMeta(disk, dataDir, brokerId, now, clusterId)   // refuses another cluster's data dir
//   const member = new ClusterMember({ store, ... }); await member.start()
//
// When etcd drops the session (its lease expired: the broker was paused or cut off for longer than
// the session timeout), the registration and any election key went with it. The member then makes a
// new session, registers again and rejoins the election, retrying after a backoff until it
// succeeds or is closed. A registration refused because an old one of the same broker id is still
// there (a broker restarted right after kill -9) is retried the same way for two session timeouts
// (the old lease expires one timeout after its last renewal; etcd may take a little longer to
// notice), after which the id is taken by another live broker, and the start fails, naming it.
//
// Controlled shutdown (markShuttingDown): the registration gets shuttingDown: true, by compare-and-swap
// under the same lease, and a registration made again after a lost session carries it too. A new
// process (a restart with the same id) registers without it: the flag lives only as long as the
// process that set it.
//
// Events: 'fenced' / 'unfenced' (the session's: stop / resume leading), 'elected' / 'deposed' (the
// controller role), 'controller' (the controller this broker knows of), 'rejoined' (a new session).
import { EventEmitter } from 'node:events'
import type { Logger } from '../log.js'
import { BrokerSession, type LeaseGranter, type MonotonicClock } from './broker-session.js'
import { ControllerElection } from './controller-election.js'
import { BrokerIdTakenError, type BrokerRegistration, type ControllerFence, type EtcdMetadataStore } from './metadata-store.js'

/** Pause before a failed rejoin, or a registration refused, is tried again. */
export const REJOIN_BACKOFF_MS = 1000
/** A registration waits this many session timeouts for an old one of the same broker id to expire. */
export const REGISTRATION_WAIT_TIMEOUTS = 2

export interface ClusterMemberOptions {
  store: EtcdMetadataStore
  brokerId: number
  advertisedUrl: string
  rack: string | null
  /** host:port of the broker's Kafka-protocol listener, registered beside its URL; undefined with --no-kafka. */
  kafkaAddress?: string
  sessionTimeoutMs: number
  granter: LeaseGranter
  clock: MonotonicClock
  logger: Logger
}

export class ClusterMember extends EventEmitter {
  #session: BrokerSession | undefined
  #election: ControllerElection | undefined
  #closed = false
  #rejoinTimer: unknown
  #shuttingDown = false
  readonly #options: ClusterMemberOptions

  constructor(options: ClusterMemberOptions) {
    super()
    this.#options = options
  }

  get session(): BrokerSession | undefined { return this.#session }
  get fenced(): boolean { return this.#session?.fenced ?? true }
  get isController(): boolean { return this.#election?.isController ?? false }
  /** This broker's controller fence, while it is the controller. */
  get controllerFence(): ControllerFence | undefined { return this.#election?.fence }
  get controller(): ControllerFence | undefined { return this.#election?.controller }

  /** Joins: a session, the registration, the election. Throws if the first join fails (etcd down, broker id taken). */
  async start(): Promise<void> {
    await this.#join(this.#registerByMs())
  }

  /** How long a registration waits for an old one of the same broker id to expire. */
  #registerByMs(): number {
    return this.#options.clock.now() + REGISTRATION_WAIT_TIMEOUTS * this.#options.sessionTimeoutMs
  }

  get shuttingDown(): boolean { return this.#shuttingDown }

  /**
   * Marks this broker as shutting down in its registration (the controller then moves its
   * leaderships away). Resolves false when there is no registration of this session to mark (the
   * session was lost; the next registration carries the flag); rejects when etcd fails.
   */
  async markShuttingDown(): Promise<boolean> {
    this.#shuttingDown = true
    const session = this.#session
    if (session === undefined) return false
    return this.#options.store.markBrokerShuttingDown(this.#options.brokerId, session.leaseId)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#options.clock.clearTimeout(this.#rejoinTimer)
    await this.#election?.close()
    await this.#session?.close()
  }

  /** Makes a session, registers under it (waiting until `registerByMs` for a stale registration to expire), elects. */
  async #join(registerByMs: number): Promise<void> {
    const { store, brokerId, clock, logger } = this.#options
    const session = new BrokerSession({ granter: this.#options.granter, sessionTimeoutMs: this.#options.sessionTimeoutMs, clock, logger })
    session.on('fenced', () => this.emit('fenced'))
    session.on('unfenced', () => this.emit('unfenced'))
    session.on('lost', () => void this.#rejoin())
    await session.start()
    try {
      await this.#register(session, registerByMs)
      const election = new ControllerElection({ store, brokerId, leaseId: session.leaseId, clock, logger })
      election.on('elected', (fence: ControllerFence) => this.emit('elected', fence))
      election.on('deposed', (fence: ControllerFence) => this.emit('deposed', fence))
      election.on('controller', (fence: ControllerFence | undefined) => this.emit('controller', fence))
      this.#session = session
      this.#election = election
      if (this.#closed) throw new Error('closed while joining')
      await election.start()
    } catch (err) {
      await session.close()
      throw err
    }
  }

  async #register(session: BrokerSession, registerByMs: number): Promise<void> {
    const { store, brokerId, advertisedUrl, rack, kafkaAddress, clock } = this.#options
    const registration: BrokerRegistration & { kafkaAddress?: string } = {
      brokerId, advertisedUrl, rack, registeredAt: new Date().toISOString(), ...(kafkaAddress === undefined ? {} : { kafkaAddress }),
      ...(this.#shuttingDown ? { shuttingDown: true } : {}),
    }
    for (;;) {
      try {
        await store.registerBroker(registration, session.leaseId)
        return
      } catch (err) {
        if (!(err instanceof BrokerIdTakenError) || clock.now() >= registerByMs || this.#closed) throw err
        await new Promise<void>((resolve) => clock.setTimeout(resolve, REJOIN_BACKOFF_MS))
      }
    }
  }

  /** After the session was lost: leave the old election, and join again until it works. */
  async #rejoin(): Promise<void> {
    if (this.#closed) return
    const { clock, logger } = this.#options
    await this.#election?.close()
    this.#election = undefined
    try {
      await this.#join(this.#registerByMs())
      logger.info('joined the cluster again with a new session')
      this.emit('rejoined')
    } catch (err) {
      if (this.#closed) return
      logger.warn({ err }, 'could not join the cluster again; retrying')
      this.#rejoinTimer = clock.setTimeout(() => void this.#rejoin(), REJOIN_BACKOFF_MS)
    }
  }
}
