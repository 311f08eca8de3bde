// The bare path's worker thread (bare-path-server.ts): every frame it is given goes straight back to
// the main thread, the hop a broker makes to its partition thread and back, with no work between.
import { parentPort } from 'node:worker_threads'

parentPort?.on('message', (frame: Uint8Array) => parentPort?.postMessage(frame))
