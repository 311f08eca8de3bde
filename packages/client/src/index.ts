// The public face of @faecie/client. The producer, consumer and admin arrive with the broker issue;
// until then this package only re-exports the protocol pieces a client user needs.
export { ErrorCode, FaecieError } from '@faecie/protocol'
