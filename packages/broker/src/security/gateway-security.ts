// The gateway's one door for security: whether a session must log in, and whether its principal
// may do an operation on a resource. Every op handler (and so every Kafka API and HTTP route, which
// run the same handlers) asks here; a refusal is the Kafka error of the resource type
// (TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED) naming the principal and the operation, and a line
// in the audit log.
//
// Without --auth scram every request is allowed (the loopback default). A peer broker's session
// (authenticated by the cluster's broker secret, gateway/ops/hello.ts) acts as BROKER_PRINCIPAL,
// allowed everything: brokers replicate and forward with ClusterAction.
import {
  ErrorCode, FaecieError, type AclOperation, type AclResourceType,
} from '@faecie/protocol'
import type { Logger } from '../log.js'
import { OPEN_SECURITY_CONFIG, type SecurityConfig } from '../server/security-config.js'
import { AuditLog } from './audit-log.js'
import { LoginThrottle } from './login-throttle.js'
import { SecurityState, type AuthorizeDecision } from './security-state.js'

export { ANONYMOUS_PRINCIPAL, BROKER_PRINCIPAL } from './principals.js'

/** What the security door needs of a session. */
export interface SecuritySubject {
  readonly principal: string
  readonly clientAddress: string
  readonly peerBrokerId?: number | undefined
}

const ERROR_OF: Record<AclResourceType, number> = {
  topic: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  group: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  cluster: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
}

export class GatewaySecurity {
  readonly config: SecurityConfig
  /** Users and ACLs: filled from the metadata (log or etcd) and kept current by its owner. */
  readonly state: SecurityState
  readonly audit: AuditLog
  /** Failed logins slowed per source address, on every listener (login-throttle.ts). */
  readonly loginThrottle: LoginThrottle

  constructor(config: SecurityConfig, logger: Logger, state = new SecurityState(), nowMs: () => number = () => performance.now()) {
    this.config = config
    this.state = state
    this.audit = new AuditLog(logger, config.limits.auditLinesPerSecondMax, nowMs)
    this.loginThrottle = new LoginThrottle(config.limits)
  }

  /** True with --auth scram: sessions must log in before any op but hello and saslAuthenticate. */
  get authenticationRequired(): boolean {
    return this.config.auth === 'scram'
  }

  decide(subject: SecuritySubject, operation: AclOperation, resourceType: AclResourceType, resourceName: string): AuthorizeDecision {
    if (this.config.auth === 'none') return { allowed: true, reason: 'authorizationOff' }
    if (subject.peerBrokerId !== undefined) return { allowed: true, reason: 'superUser' }
    return this.state.authorize({ principal: subject.principal, host: subject.clientAddress, operation, resourceType, resourceName },
      this.config.superUsers)
  }

  /** Whether allowed, without an audit line (metadata's filtering of topics the principal may not describe). */
  allowed(subject: SecuritySubject, operation: AclOperation, resourceType: AclResourceType, resourceName: string): boolean {
    return this.decide(subject, operation, resourceType, resourceName).allowed
  }

  /** Throws the resource type's AUTHORIZATION_FAILED error (and audits it) unless allowed. */
  check(subject: SecuritySubject, operation: AclOperation, resourceType: AclResourceType, resourceName: string): void {
    const error = this.refusal(subject, operation, resourceType, resourceName)
    if (error !== undefined) throw error
  }

  /** The refusal as an error (audited), or undefined when allowed: for per-partition answers. */
  refusal(subject: SecuritySubject, operation: AclOperation, resourceType: AclResourceType, resourceName: string): FaecieError | undefined {
    const decision = this.decide(subject, operation, resourceType, resourceName)
    if (decision.allowed) return undefined
    const what = resourceType === 'cluster' ? 'the cluster' : `${resourceType} ${resourceName}`
    const why = decision.reason === 'deniedByAcl' ? 'an ACL denies it' : 'no ACL allows it'
    this.audit.denied({ principal: subject.principal, clientAddress: subject.clientAddress, operation, resourceType, resourceName, reason: decision.reason })
    return new FaecieError(ERROR_OF[resourceType], `Principal ${subject.principal} may not ${operation} ${what}: ${why}.`)
  }
}

/** A door that lets everyone in (no --auth): for tests' fake gateways. */
export function openGatewaySecurity(logger: Logger): GatewaySecurity {
  return new GatewaySecurity(OPEN_SECURITY_CONFIG, logger)
}
