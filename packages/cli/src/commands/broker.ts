// `faecie broker [flags]`: runs a broker in this process. The broker's code is loaded here and only
// here, with a dynamic import, so the client commands never load it (nor its native modules and
// worker threads). Its flags, --help included, are the broker's own: see runBroker in
// @faecie/broker. It logs JSON lines on stdout and resolves with the exit code when a signal
// (SIGTERM, Ctrl-C) has stopped it cleanly.
export async function brokerCommand(argv: string[]): Promise<number> {
  const { runBroker } = await import('@faecie/broker')
  return runBroker(argv)
}
