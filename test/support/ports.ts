// Ports for tests that need one with nothing on it. Everything that listens binds port 0 and reads
// the port it got (startBrokerProcess does); never a fixed port.
import { createServer } from 'node:net'

/** A port on 127.0.0.1 with nothing listening on it (bound once on port 0, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
