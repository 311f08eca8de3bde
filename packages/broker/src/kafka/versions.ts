// The versions the Kafka listener serves and advertises, and the header versions that go with them.
// Served: what the generated codecs cover (generated/apis.ts: Kafka 4.0's minimums up to the newest
// stable version in kafka-clients 4.4) for the APIs with a handler. Advertised: the same, except that
// ApiVersions advertises Produce from v0 while refusing v0-2 (as Kafka 4.0 does, KAFKA-18659):
// librdkafka, and so kcat, stops compressing when Produce is advertised from v3 only.
import { KAFKA_APIS } from './generated/apis.js'

export interface ServedApi {
  apiKey: number
  name: string
  minVersion: number
  maxVersion: number
  flexibleMin: number
}

export const API_VERSIONS_KEY = KAFKA_APIS.ApiVersions.apiKey
/** The APIs a connection may send before its SASL login when the broker requires one (Kafka's). */
export const PRE_LOGIN_API_KEYS: ReadonlySet<number> = new Set([API_VERSIONS_KEY, KAFKA_APIS.SaslHandshake.apiKey, KAFKA_APIS.SaslAuthenticate.apiKey])
/** Produce versions below this are advertised but refused (KAFKA-18659). */
export const PRODUCE_ADVERTISED_MIN_VERSION = 0

/** The request header version of a request: 2 in flexible versions, else 1. */
export function requestHeaderVersion(api: ServedApi, version: number): number {
  return version >= api.flexibleMin ? 2 : 1
}

/** The response header version: 1 in flexible versions, else 0; ApiVersions always 0 (KIP-511). */
export function responseHeaderVersion(api: ServedApi, version: number): number {
  if (api.apiKey === API_VERSIONS_KEY) return 0
  return version >= api.flexibleMin ? 1 : 0
}

/** The ranges ApiVersions answers with. */
export function advertisedVersions(served: Iterable<ServedApi>): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
  return [...served].sort((a, b) => a.apiKey - b.apiKey).map((api) => ({
    apiKey: api.apiKey,
    minVersion: api.apiKey === KAFKA_APIS.Produce.apiKey ? PRODUCE_ADVERTISED_MIN_VERSION : api.minVersion,
    maxVersion: api.maxVersion,
  }))
}
