// For the tests of the broker's Kafka-protocol listener: its port (read from the broker's
// `kafka listening` log line), kcat (Debian's package, installed when missing), Kafka's own command
// line tools run from the cached jars (kafka-jars.ts), and the compression bits of the batches a
// partition stores (read from its segment files).
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BrokerProcess } from './broker-process.js'
import { ensureInstalled } from './debian-install.js'
import { ensureJava, ensureKafkaClasspath } from './kafka-jars.js'
import { waitFor } from './wait-for.js'

/** The port of the broker's Kafka listener, from its log. */
export async function kafkaPortOf(broker: BrokerProcess): Promise<number> {
  return waitFor('the broker to log its Kafka port', () => {
    for (const line of broker.logs()) {
      if (!line.includes('"kafka listening"')) continue
      const port = (JSON.parse(line) as { port?: number }).port
      if (typeof port === 'number') return port
    }
    return undefined
  })
}

export function ensureKcat(): string {
  return ensureInstalled('kcat (the Kafka-protocol listener tests)', ['kcat'], () => {
    const found = spawnSync('which', ['kcat'], { encoding: 'utf8' })
    return found.status === 0 && found.stdout.trim() !== '' ? found.stdout.trim() : undefined
  })
}

export interface ToolRun { status: number | null; stdout: string; stderr: string }

/** Runs a program with stdin, killed (and failing) after `timeoutMs`. */
export function runTool(file: string, args: string[], input = '', timeoutMs = 60_000): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${file} ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, timeoutMs)
    child.on('error', (err) => { clearTimeout(timer); reject(err) })
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }) })
    child.stdin.end(input)
  })
}

/** Runs one of Kafka's tool classes (org.apache.kafka.tools.*) from the cached jars. */
export function runKafkaTool(mainClass: string, args: string[], input = '', timeoutMs = 90_000): Promise<ToolRun> {
  return runTool(ensureJava(), ['-Xmx256M', '-XX:TieredStopAtLevel=1', '-cp', ensureKafkaClasspath(), mainClass, ...args], input, timeoutMs)
}

/**
 * The compression codec (attributes bits 0-2) of every batch a partition stores, in offset order,
 * from its segment files: each batch is baseOffset int64, batchLength int32, then the header whose
 * attributes int16 sits 21 bytes into the batch.
 */
export function storedCompressionCodes(dataDir: string, topic: string, partition: number): number[] {
  const dir = join(dataDir, `${topic}-${partition}`)
  const codes: number[] = []
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const bytes = readFileSync(join(dir, name))
    for (let at = 0; at + 23 <= bytes.length;) {
      const length = bytes.readInt32BE(at + 8)
      if (length <= 0) break
      codes.push(bytes.readInt16BE(at + 21) & 7)
      at += 12 + length
    }
  }
  return codes
}
