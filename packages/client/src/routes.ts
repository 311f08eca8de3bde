// Grouping a client's partitions by the connection of their leader, for the producer's drain loop
// and the consumer's pump: each partition is routed (cluster.route); those whose leader's
// connection is open are grouped by it, and for the others the route's wait (connecting, or
// refreshing the topic's metadata) is awaited once, after which `wake` runs the loop again. Every
// connection handed out wakes the loop when it closes, so the partitions it carried are routed anew.
import type { Cluster } from './cluster.js'
import type { Connection } from './connection.js'

export class LeaderRoutes {
  private readonly waits = new Set<Promise<unknown>>()
  private readonly watched = new WeakSet<Connection>()

  constructor(
    private readonly cluster: Cluster,
    private readonly wake: () => void,
    /** Hears a route that failed (a connection refused); the loop is woken anyway. */
    private readonly onFailure: (err: unknown) => void = () => undefined,
  ) {}

  /** The items whose leader's connection is open now, by connection; the rest wake the loop later. */
  group<T extends { topic: string; partition: number }>(items: Iterable<T>): Map<Connection, T[]> {
    const groups = new Map<Connection, T[]>()
    if (this.cluster.isClosed) return groups
    for (const item of items) {
      const route = this.cluster.route(item.topic, item.partition)
      if (route.wait !== undefined) {
        this.waitFor(route.wait)
        continue
      }
      this.watch(route.connection)
      let group = groups.get(route.connection)
      if (group === undefined) groups.set(route.connection, (group = []))
      group.push(item)
    }
    return groups
  }

  /** Wakes the loop when `connection` closes (once per connection). */
  watch(connection: Connection): void {
    if (this.watched.has(connection)) return
    this.watched.add(connection)
    connection.onClose(() => this.wake())
  }

  private waitFor(wait: Promise<unknown>): void {
    if (this.waits.has(wait)) return
    this.waits.add(wait)
    // A failure is paced by the cluster (connection backoff, metadata refresh backoff).
    void wait.then(() => undefined, (err: unknown) => this.onFailure(err)).finally(() => {
      this.waits.delete(wait)
      this.wake()
    })
  }
}
