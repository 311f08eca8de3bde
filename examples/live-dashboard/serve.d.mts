// Types of serve.mjs, for the end-to-end test that drives the example.
export function serveDashboard(options: { port?: number; brokerUrl: string; topic: string }): Promise<{ port: number; close(): Promise<void> }>
export function feedTopic(options: { brokerUrl: string; topic: string; ratePerSecond: number }): Promise<{ stop(): Promise<void> }>
