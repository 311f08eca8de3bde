// Op `alterTopicConfig`: changes some of one topic's config keys; nil resets a key to its default.
// Answered with the topic's whole config after the change.
import type { Parsed, RequestFrame } from '../frame.js'
import { type ConfigChanges, type ConfigMap, parseOp } from './fields.js'

export interface AlterTopicConfigRequest {
  topic: string
  config: ConfigChanges
}

export interface AlterTopicConfigResponse {
  topic: string
  config: ConfigMap
}

export function parseAlterTopicConfigRequest(frame: RequestFrame): Parsed<AlterTopicConfigRequest> {
  return parseOp(frame, (f) => ({ topic: f.str('topic'), config: f.config('config', { allowNil: true }) }))
}
