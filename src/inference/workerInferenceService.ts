/**
 * The InferenceService of the extension: a worker thread that owns the model session. Started
 * on first use, kept warm, restarted after a crash; the extension host's thread never runs it.
 */
import { Worker } from 'node:worker_threads';
import type { BatchJobResult, BatchProgress } from '../engine/batchJob';
import type { PromptSpec } from '../engine/promptSet';
import type {
  BatchRequest,
  Cancellation,
  EngineStatus,
  InferenceService,
  SegmentRequest,
  SegmentResult,
  SegmentToFileRequest,
} from './inferenceService';
import type {
  FromWorker,
  ModelChoice,
  ReplyResult,
  ToWorker,
  WorkerRequest,
} from './workerProtocol';

/** Thrown for a request that was cancelled. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}

/** Thrown when there is no model to run, or inference is not allowed (the message says why). */
export class InferenceUnavailableError extends Error {
  override readonly name = 'InferenceUnavailableError';
}

/** The model to use now, or why there is none (a plain sentence for the user). */
export type ModelChooser = () => ModelChoice | { readonly unavailable: string };

interface Pending {
  resolve(result: ReplyResult): void;
  reject(err: Error): void;
  onProgress?: (p: BatchProgress) => void;
}

/** Inference in a worker thread running `workerScript` (dist/inferenceWorker.js). */
export class WorkerInferenceService implements InferenceService {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private current: EngineStatus = { state: 'idle', attempts: [] };
  private readonly listeners = new Set<(s: EngineStatus) => void>();
  private disposed = false;

  constructor(
    private readonly workerScript: string,
    private readonly chooseModel: ModelChooser,
  ) {}

  segment(request: SegmentRequest, token?: Cancellation): Promise<SegmentResult> {
    return this.request((id, model) => ({ type: 'segment', id, model, request }), token, {
      rejectOnCancel: true,
    }) as Promise<SegmentResult>;
  }

  segmentToFile(request: SegmentToFileRequest, token?: Cancellation): Promise<SegmentResult> {
    // Not rejected early on cancel: the reply says whether the mask was written.
    return this.request(
      (id, model) => ({ type: 'segmentToFile', id, model, request }),
      token,
    ) as Promise<SegmentResult>;
  }

  runBatch(
    request: BatchRequest,
    onProgress?: (progress: BatchProgress) => void,
    token?: Cancellation,
  ): Promise<BatchJobResult> {
    // A cancelled batch still answers: with what it wrote before stopping.
    return this.request((id, model) => ({ type: 'batch', id, model, request }), token, {
      onProgress,
    }) as Promise<BatchJobResult>;
  }

  async preparePrompt(prompt: PromptSpec, token?: Cancellation): Promise<void> {
    await this.request((id, model) => ({ type: 'preparePrompt', id, model, prompt }), token, {
      rejectOnCancel: true,
    });
  }

  load(token?: Cancellation): Promise<EngineStatus> {
    return this.request((id, model) => ({ type: 'load', id, model }), token, {
      rejectOnCancel: true,
    }) as Promise<EngineStatus>;
  }

  status(): EngineStatus {
    return this.current;
  }

  onDidChangeStatus(listener: (status: EngineStatus) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.disposed = true;
    this.rejectAll(new Error('SegGPT inference was shut down'));
    void this.worker?.terminate();
    this.worker = undefined;
    this.listeners.clear();
  }

  private request(
    build: (id: number, model: ModelChoice) => WorkerRequest,
    token: Cancellation | undefined,
    opts: { rejectOnCancel?: boolean; onProgress?: (p: BatchProgress) => void } = {},
  ): Promise<ReplyResult> {
    if (this.disposed) return Promise.reject(new Error('SegGPT inference was shut down'));
    if (token?.isCancellationRequested) return Promise.reject(new CancelledError());
    const model = this.chooseModel();
    if ('unavailable' in model) {
      return Promise.reject(new InferenceUnavailableError(model.unavailable));
    }
    const id = this.nextId++;
    const worker = this.ensureWorker();
    return new Promise<ReplyResult>((resolve, reject) => {
      const sub = token?.onCancellationRequested(() => {
        this.post(worker, { type: 'cancel', id });
        if (opts.rejectOnCancel) {
          this.pending.delete(id);
          reject(new CancelledError());
        }
      });
      const done = (): void => sub?.dispose();
      this.pending.set(id, {
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        onProgress: opts.onProgress,
      });
      this.post(worker, build(id, model));
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerScript);
    this.worker = worker;
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => this.onWorkerGone(worker, `it failed: ${err.message}`));
    worker.on('exit', (code) => this.onWorkerGone(worker, `it exited with code ${code}`));
    return worker;
  }

  private post(worker: Worker, msg: ToWorker): void {
    worker.postMessage(msg);
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'status') {
      this.setStatus(msg.status);
      return;
    }
    const p = this.pending.get(msg.inReplyTo);
    if (!p) return; // cancelled and already rejected
    if (msg.type === 'progress') {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.inReplyTo);
    if ('error' in msg) p.reject(msg.cancelled ? new CancelledError() : new Error(msg.error));
    else p.resolve(msg.result);
  }

  /** A crashed or exited worker: its requests fail, the next request starts a fresh one. */
  private onWorkerGone(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.disposed) return;
    const error = `the SegGPT inference worker stopped (${why}); the next request starts it again`;
    this.rejectAll(new Error(error));
    this.setStatus({ state: 'error', attempts: [], error });
  }

  private rejectAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }

  private setStatus(s: EngineStatus): void {
    this.current = s;
    for (const l of [...this.listeners]) l(s);
  }
}
