// A tiny node process for the topology tests, started on a node of a topology (inside its namespace
// through commandPrefix) to show what reaches what. It binds a UDP socket and a TCP echo server on
// the node's host, port 0, and speaks JSON lines: commands on stdin, events on stdout.
//
//   out {"ready":true,"udpPort":P,"tcpPort":Q}      once both listen
//   out {"udp":"TEXT"}                             a datagram received
//   in  {"sendUdp":{"host":H,"port":P,"text":T}}
//   in  {"connect":{"id":I,"host":H,"port":P}} -> out {"connected":I} | {"connectError":I,"message":M}
//   in  {"write":{"id":I,"text":T}}            -> out {"echo":I,"text":T} as the echo comes back
//   out {"closed":I}                               a connection of ours ended
//   out {"serverGot":"TEXT"}                       bytes the echo server received (and echoes)
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { onTestProcessExit } from '../../support/temp-dir.js'
import { waitFor } from '../../support/wait-for.js'

const AGENT = String.raw`
const dgram = require('node:dgram'), net = require('node:net'), readline = require('node:readline')
const host = process.argv[1]
const out = (event) => process.stdout.write(JSON.stringify(event) + '\n')
const udp = dgram.createSocket('udp4')
udp.on('message', (message) => out({ udp: message.toString() }))
const server = net.createServer((socket) => {
  socket.on('data', (data) => { out({ serverGot: data.toString() }); socket.write(data) })
  socket.on('error', () => {})
})
const connections = new Map()
let ready = 0
const listening = () => { if (++ready === 2) out({ ready: true, udpPort: udp.address().port, tcpPort: server.address().port }) }
udp.bind(0, host, listening)
server.listen(0, host, listening)
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line)
  if (command.sendUdp) udp.send(command.sendUdp.text, command.sendUdp.port, command.sendUdp.host)
  if (command.connect) {
    const { id, host: to, port } = command.connect
    const socket = net.connect(port, to, () => out({ connected: id }))
    connections.set(id, socket)
    socket.setEncoding('utf8')
    socket.on('data', (text) => out({ echo: id, text }))
    socket.on('error', (error) => out({ connectError: id, message: error.message }))
    socket.on('close', () => out({ closed: id }))
  }
  if (command.write) connections.get(command.write.id).write(command.write.text)
})
process.stdin.on('end', () => process.exit(0))
`

export interface AgentEvent {
  ready?: boolean
  udpPort?: number
  tcpPort?: number
  udp?: string
  connected?: string
  connectError?: string
  message?: string
  echo?: string
  text?: string
  closed?: string
  serverGot?: string
}

export class NetAgent {
  readonly events: AgentEvent[] = []
  udpPort = 0
  tcpPort = 0
  private stderr = ''

  private constructor(readonly name: string, readonly host: string, readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.events.push(JSON.parse(line) as AgentEvent))
    child.stderr!.setEncoding('utf8').on('data', (text: string) => { this.stderr += text })
  }

  /** Starts an agent as `prefix... node -e AGENT host` and waits until it listens. */
  static async start(name: string, prefix: string[], host: string): Promise<NetAgent> {
    const [file, ...args] = [...prefix, process.execPath, '-e', AGENT, host]
    const child = spawn(file!, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    onTestProcessExit(() => child.kill('SIGKILL'))
    const agent = new NetAgent(name, host, child)
    const ready = await waitFor(`agent ${name} listening on ${host}`, () => {
      if (child.exitCode !== null) throw new Error(`agent ${name} exited ${child.exitCode}: ${agent.stderr}`)
      return agent.events.find((event) => event.ready)
    })
    agent.udpPort = ready.udpPort!
    agent.tcpPort = ready.tcpPort!
    return agent
  }

  send(command: object): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`)
  }

  sendUdp(to: NetAgent, text: string): void {
    this.send({ sendUdp: { host: to.host, port: to.udpPort, text } })
  }

  /** The datagrams this agent received, in order. */
  udpReceived(): string[] {
    return this.events.flatMap((event) => (event.udp === undefined ? [] : [event.udp]))
  }

  /** Everything the echo server received, in order (over all its connections). */
  serverReceived(): string {
    return this.events.map((event) => event.serverGot ?? '').join('')
  }

  echoes(id: string): string {
    return this.events.filter((event) => event.echo === id).map((event) => event.text).join('')
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill('SIGKILL')
    await exited
  }
}
