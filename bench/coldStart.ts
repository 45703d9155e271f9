/**
 * Cold starts: each measurement in a fresh child process (coldWorker.ts), so nothing of an
 * earlier session (arena pages, malloc state, thread pools) is warm. Session-option variants to
 * compare for the first query are listed here.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { ColdReply, ColdRequest } from './coldWorker';

/** A way to create the session, tried cold. */
export interface SessionVariant {
  readonly name: string;
  /** The exact options added to the engine's (absent: `SegGptSession.load` itself). */
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
  /** Extra environment for the child (process-wide knobs such as glibc's malloc tunables). */
  readonly env?: Record<string, string>;
  readonly note: string;
}

/**
 * Every variant the sweep tries. `engine` is SegGptSession.load as it is (the split prompt/query
 * graphs when converted beside the model: two sessions). SegGptSession.load takes no session
 * options, so the option variants create one session of the full graph directly, with the
 * engine's options plus theirs; `full-graph` (no extra options) is their baseline.
 */
export const VARIANTS: readonly SessionVariant[] = [
  {
    name: 'engine',
    note: 'SegGptSession.load as it is (split graphs, arena on, no memory-pattern planning)',
  },
  {
    name: 'full-graph',
    sessionOptions: {},
    note: "the full graph in one session with the engine's options: baseline of the variants below",
  },
  {
    name: 'mem-pattern',
    sessionOptions: { enableMemPattern: true },
    note: "onnxruntime's default memory-pattern planning (a second big allocation on run 2)",
  },
  {
    name: 'no-arena',
    sessionOptions: { enableCpuMemArena: false },
    note: 'plain malloc/free per tensor (memory returned between runs; 1.6–1.8× slower on ViT-L)',
  },
  {
    name: 'initializers-outside-arena',
    sessionOptions: { extra: { session: { use_device_allocator_for_initializers: '1' } } },
    note: 'extra session.use_device_allocator_for_initializers=1 (weights not in the arena)',
  },
  {
    name: 'no-spinning',
    sessionOptions: { extra: { session: { intra_op: { allow_spinning: '0' } } } },
    note: 'extra session.intra_op.allow_spinning=0 (pool threads sleep instead of spinning)',
  },
  {
    name: 'malloc-hugepages',
    sessionOptions: {},
    env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' },
    note: 'full-graph, with glibc malloc asking for transparent huge pages (process environment)',
  },
];

/** One cold measurement: fork, load, run `runs` times, report. */
export function coldStart(
  modelPath: string,
  variant: SessionVariant,
  opts: { threads: number; runs: number; seed: number },
): Promise<Extract<ColdReply, { ok: true }>> {
  const req: ColdRequest = {
    modelPath,
    threads: opts.threads,
    sessionOptions: variant.sessionOptions,
    runs: opts.runs,
    seed: opts.seed,
  };
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'coldWorker.js'), [JSON.stringify(req)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...variant.env },
    });
    let reply: ColdReply | undefined;
    child.on('message', (m) => {
      reply = m as ColdReply;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (reply?.ok) resolve(reply);
      else if (reply) reject(new Error(`cold start (${variant.name}) failed: ${reply.error}`));
      else reject(new Error(`cold start (${variant.name}) exited (${signal ?? `code ${code}`})`));
    });
  });
}
