// Every entry point of the installed packages, for the type check under each moduleResolution
// (test/integration/pack-install.test.ts): the subpaths must resolve with their types in all four.
import { Faecie as BrowserFaecie } from '@faecie/client/browser'
import { Faecie as NodeFaecie, nodeTransport } from '@faecie/client/node'
import { ErrorCode, partitionForKey } from '@faecie/protocol'
import '@faecie/protocol/node'

export const partition: number = partitionForKey('user-1', 3)
export const notLeader: number = ErrorCode.NOT_LEADER_OR_FOLLOWER
export const clients: Array<BrowserFaecie | NodeFaecie> = [new NodeFaecie({ brokers: ['ws://127.0.0.1:8092'], transport: nodeTransport })]
