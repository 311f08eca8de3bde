// The broker-wide bounds of one group coordinator (DESIGN.md section 10: every byte a client can make
// the broker hold is bounded): groups of either type (groups.groupsMax), members across them
// (groups.membersMax, KIP-394's pending ids counted) and the bytes classic members hold, their
// protocol metadata and assignments (groups.classicMemberBytesMax). Each group already bounds its
// own members and each member its bytes; these bound their sum, as many groups add up.
//
// A refusal is COORDINATOR_NOT_AVAILABLE, naming the limit: the broker is full, not the group, and
// Kafka's clients (and faecie's) take it as retriable, finding the coordinator again after their
// backoff; GROUP_MAX_SIZE_REACHED would reach the application as fatal in Java's consumer. Only what
// adds to the sum is refused (a new group, a new member, more bytes): the members already in keep going.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { GroupSettings } from './consumer-group.js'

/** What the coordinator holds now. */
export interface GroupCounts {
  groups(): number
  members(): number
  classicMemberBytes(): number
}

export class GroupLimits {
  constructor(private readonly settings: GroupSettings, private readonly counts: GroupCounts) {}

  /** Before a group is made. */
  checkNewGroup(groupId: string): void {
    const groups = this.counts.groups()
    if (groups < this.settings.groupsMax) return
    throw full(`it holds ${groups} groups (groups.groupsMax ${this.settings.groupsMax}): group ${groupId} cannot be made`)
  }

  /** Before a member (or a KIP-394 pending id) is added. */
  checkNewMember(groupId: string): void {
    const members = this.counts.members()
    if (members < this.settings.membersMax) return
    throw full(`its groups have ${members} members (groups.membersMax ${this.settings.membersMax}): no new member in group ${groupId}`)
  }

  /** Before classic members hold `added` bytes more (a join's protocols, a leader's assignments; less what they replace). */
  checkClassicBytes(groupId: string, added: number): void {
    const held = this.counts.classicMemberBytes()
    if (added <= 0 || held + added <= this.settings.classicMemberBytesMax) return
    throw full(`classic members hold ${held} bytes and group ${groupId} would add ${added} (groups.classicMemberBytesMax ${this.settings.classicMemberBytesMax})`)
  }
}

function full(what: string): FaecieError {
  return new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `The group coordinator is full: ${what}. Retry later.`)
}
