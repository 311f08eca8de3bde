// The principals faecie names itself (gateway-security.ts re-exports them): kept in a module of
// their own, with no imports, so that config parsing can name them without an import cycle.

/** The principal of a session that has not logged in (or of every session without --auth scram). */
export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS'
/** The principal a peer broker's session acts as. */
export const BROKER_PRINCIPAL = 'User:faecie-broker'
