// Sizes libuv's thread pool before anything uses it. The pool is shared by the whole process, worker
// threads included, and the pipelined group commit runs each partition's fdatasync on it: with the
// default of 4, partitions beyond 4 would queue their syncs behind each other. Imported first by
// main.ts; an explicit UV_THREADPOOL_SIZE from the environment wins.
import { availableParallelism } from 'node:os'

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism() * 2 + 2))
