/**
 * A second session of the loaded model in a thread of its own, for folder jobs on a GPU.
 *
 * onnxruntime-node runs a model synchronously on the calling thread, and it has no way to keep
 * inputs and outputs on the device: every batch is copied in from pageable memory, computed, and
 * copied out, one after the other. With one session the GPU idles during the copies and the
 * host's share of each batch (a third of the wall time at batch 8 on an H200). A second session
 * in another thread runs its batch while the first one copies, so the two overlap.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PreparedPrompt } from './promptSet';
import type { ProviderName } from './providers';
import type { SegGptSession } from './segGptSession';

/** Runs queries against a prompt: a Segmenter in this thread, or a replica in another. */
export interface Predictor {
  /** Predictions (normalized RGB at model resolution), one per query, in order. */
  predict(queries: readonly Float32Array[]): Promise<Float32Array[]>;
}

/** What a replica loads: the same model file on the same provider, and the prepared prompt. */
export interface ReplicaSetup {
  readonly modelPath: string;
  readonly provider: ProviderName;
  readonly threads: number;
  readonly prompt: PreparedPrompt;
}

/** Messages to the replica thread. */
export type ToReplica =
  | {
      readonly type: 'predict';
      readonly id: number;
      readonly queries: Float32Array;
      readonly count: number;
    }
  | { readonly type: 'release' };

/** Messages from the replica thread. */
export type FromReplica =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly preds: Float32Array[] }
  /** A failed request (with its id), or the replica's end (without). */
  | { readonly type: 'error'; readonly id?: number; readonly message: string };

/** The bundled worker script beside this module (dist/replicaWorker.js, or the compiled test copy). */
export const REPLICA_SCRIPT = path.join(__dirname, 'replicaWorker.js');

/** Sessions a folder job runs at once on a CUDA GPU unless told otherwise. */
export const DEFAULT_GPU_SESSIONS = 2;

/** How long `release` waits for the thread to free its session before ending it. */
const RELEASE_TIMEOUT_MS = 10_000;

/**
 * Copies of the session a folder job should start for `provider`. On CUDA (the provider this was
 * measured on), with `gpuSessions` of two or more: that many, each in its own thread, while the
 * job's own session stands by once one is ready (its runs would block the job's thread: see
 * BatchJobOptions.sessionStandsBy). None elsewhere (a CPU is already busy with one session, and
 * the other GPU providers are unmeasured), with `gpuSessions` 1 (one copy of the weights on the
 * GPU), or for a job of fewer than three batches (a replica takes as long to load as a few
 * batches take to run).
 */
export function replicaCount(provider: ProviderName, gpuSessions: number, batches: number): number {
  const n = Math.floor(gpuSessions);
  return provider === 'cuda' && batches >= 3 && n >= 2 ? n : 0;
}

/** A session of the model in its own worker thread. */
export class Replica implements Predictor {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (p: Float32Array[]) => void; reject: (e: Error) => void }
  >();
  /** Why the replica stopped working, once it has. */
  private ended: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (msg: FromReplica) => {
      if (msg.type === 'result') this.settle(msg.id)?.resolve(msg.preds);
      else if (msg.type === 'error' && msg.id !== undefined)
        this.settle(msg.id)?.reject(new Error(msg.message));
      else if (msg.type === 'error') this.end(msg.message);
    });
    worker.on('error', (err) => this.end(err.message));
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        this.end('the replica thread ended');
        resolve();
      }),
    );
  }

  /**
   * Starts a replica; resolves once its session is loaded, rejects with why it could not be.
   * Handed to releaseReplicas while still loading, it is abandoned instead: the promise never
   * settles, and the replica frees its session as soon as it has loaded.
   */
  static start(setup: ReplicaSetup, script = REPLICA_SCRIPT): Promise<Replica> {
    const worker = new Worker(script, { workerData: setup });
    const replica = new Replica(worker);
    let abandoned = false;
    const started = new Promise<Replica>((resolve, reject) => {
      const settle = (outcome: () => void): void => {
        worker.off('message', onMessage);
        loading.delete(started);
        if (!abandoned) outcome();
      };
      const onMessage = (msg: FromReplica): void => {
        if (msg.type === 'ready') {
          settle(() => resolve(replica));
          if (abandoned) void replica.release();
        } else if (msg.type === 'error' && msg.id === undefined) {
          settle(() => reject(new Error(msg.message)));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', (err) => settle(() => reject(err)));
      worker.once('exit', () =>
        settle(() => reject(new Error('the replica thread ended while loading'))),
      );
    });
    loading.set(started, () => {
      abandoned = true;
      worker.unref(); // a program that is done need not wait for it
    });
    return started;
  }

  predict(queries: readonly Float32Array[]): Promise<Float32Array[]> {
    if (this.ended) return Promise.reject(new Error(this.ended));
    const plane = queries[0]?.length ?? 0;
    const all = new Float32Array(queries.length * plane);
    queries.forEach((q, i) => all.set(q, i * plane));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToReplica = { type: 'predict', id, queries: all, count: queries.length };
      this.worker.postMessage(msg, [all.buffer as ArrayBuffer]);
    });
  }

  /** Frees the replica's session and ends its thread. */
  async release(): Promise<void> {
    if (!this.ended) this.worker.postMessage({ type: 'release' } satisfies ToReplica);
    const timer = setTimeout(() => void this.worker.terminate(), RELEASE_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private settle(
    id: number,
  ): { resolve: (p: Float32Array[]) => void; reject: (e: Error) => void } | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = reason;
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
  }
}

/**
 * Starts `count` replicas of `session` for a job with `prompt`. Each promise resolves when its
 * replica is ready (the job starts without waiting) or rejects with why it could not start.
 */
export function startReplicas(
  session: SegGptSession,
  prompt: PreparedPrompt,
  count: number,
  script = REPLICA_SCRIPT,
): Promise<Replica>[] {
  const setup: ReplicaSetup = {
    modelPath: session.modelPath,
    provider: session.provider,
    threads: session.threads,
    prompt,
  };
  return Array.from({ length: count }, () => Replica.start(setup, script));
}

/** Replicas still loading, by the promise Replica.start returned: how to abandon each. */
const loading = new WeakMap<Promise<Replica>, () => void>();

/**
 * Releases the replicas that have started and abandons those still loading (a job shorter than
 * their loading does not wait for it: each frees its session once loaded). Those that failed to
 * start need nothing.
 */
export async function releaseReplicas(replicas: readonly Promise<Replica>[]): Promise<void> {
  await Promise.all(
    replicas.map((r) => {
      const abandon = loading.get(r);
      if (abandon) {
        abandon();
        return undefined;
      }
      return r.then(
        (replica) => replica.release(),
        () => undefined,
      );
    }),
  );
}
