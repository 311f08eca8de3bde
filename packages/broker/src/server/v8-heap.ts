// The V8 heap setting of a broker process: how far the old generation may grow past what a full GC
// left alive before the next full GC. Imported by main.ts right after threadpool.ts, before the
// broker allocates anything; V8 reads the flag each time it sets a limit, so it holds for the main
// thread and every worker thread.
//
// Why: after each full GC, V8 sets the old generation's next limit to the live size times a factor
// it derives from GC and mutator speeds (1.1 to 4), and it starts incremental marking at once when
// the room under that limit is smaller than the young generation. The broker's main thread keeps
// about 22 MB alive and allocates about 17 MB/s of short-lived objects at 1,000 requests/s (50,000
// records/s), which grows its young generation to 16 MB. Some broker processes settled on a factor
// near 1.4: 9 MB of room, less than the young generation, so a full GC ran every 0.5 s and no
// scavenge in between (10-13 ms of incremental marking in steps of up to 8 ms, then a 2-9 ms pause),
// for as long as the load lasted. Which mode a process fell into was chance: end-to-end p99 at
// 50,000 records/s was 13-16 ms in that mode and 4-6 ms in the other (docs/perf-notes.md, "Full
// GCs every half second"). A fixed factor of 2 keeps the room at the live size: 22 MB, more than
// the young generation, and the loop never starts. Its cost is memory: up to twice the live size of
// each thread's old generation before a full GC, which is V8's own range (it picks up to 4 itself).
// A --heap-growing-percent given to node (command line or NODE_OPTIONS) wins.
import { setFlagsFromString } from 'node:v8'

/** The old generation may grow by this share of the live size (V8's factor 1 + percent / 100). */
export const HEAP_GROWING_PERCENT = 100

function givenToNode(flag: string): boolean {
  const spellings = [flag, flag.replaceAll('-', '_')]
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? '']
  return given.some((arg) => spellings.some((s) => arg.includes(s)))
}

if (!givenToNode('heap-growing-percent')) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
