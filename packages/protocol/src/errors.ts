// Placeholder replaced by the protocol work: the error-code table.
export const ErrorCode = {} as const
export class FaecieError extends Error {}
