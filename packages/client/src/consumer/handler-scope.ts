// Which eachMessage / eachBatch handler call the running code is inside. The run loop calls each
// handler through `handlerScope().run(token, ...)`, a fresh token per call; stop() and disconnect()
// compare `owner()` with the call in progress so that, called from inside it (the "stop after N
// messages" pattern), they do not wait for that very handler, which is waiting for them. Browsers have no async context: there only the handler's synchronous
// part is seen. The Node entry installs an AsyncLocalStorage scope, which follows the handler
// through its awaits.
export interface HandlerScope {
  run<T>(owner: object, fn: () => T): T
  /** The owner of the handler the caller runs in, if any. */
  owner(): object | undefined
}

const owners: object[] = []

/** Sees only the synchronous part of a handler (until its first await). */
export const synchronousHandlerScope: HandlerScope = {
  run(owner, fn) {
    owners.push(owner)
    try {
      return fn()
    } finally {
      owners.pop()
    }
  },
  owner: () => owners.at(-1),
}

let scope: HandlerScope = synchronousHandlerScope

export function setHandlerScope(next: HandlerScope): void {
  scope = next
}

export function handlerScope(): HandlerScope {
  return scope
}
