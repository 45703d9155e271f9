/**
 * Threads that prepare query images and make masks for folder jobs on a GPU.
 *
 * Preparing a query takes the host tens of milliseconds (sharp decodes; the Pillow-exact bicubic
 * resize and the normalization run in JavaScript), and making its mask several more (classifying
 * the prediction's pixels, resizing, PNG's deflate in JavaScript): as long as a GPU takes for
 * several queries. On the job's own thread that work and the model runs take turns; in a pool of
 * threads it runs beside them.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BatchJobOptions } from './batchJob';
import { ImageInputError, type ImageTensor, type InputSize } from './imageInput';
import type { MaskRequest } from './maskFile';
import type { ProviderName } from './providers';

/** Messages to a job thread: load an image, or make a mask file's bytes (predictionMaskPng). */
export type ToJobWorker =
  | { readonly id: number; readonly load: string }
  | { readonly id: number; readonly mask: MaskRequest };

/** Messages from a job thread: the result, or the error's first line. */
export type FromJobWorker =
  | { readonly id: number; readonly tensor: ImageTensor }
  | { readonly id: number; readonly png: Uint8Array }
  | { readonly id: number; readonly error: string; readonly imageError: boolean };

/** The bundled worker script beside this module (dist/jobWorker.js, or the compiled test copy). */
export const JOB_WORKER_SCRIPT = path.join(__dirname, 'jobWorker.js');

/**
 * Threads for a pool: two cores are left to the threads that run the model (replicas), at most
 * eight are used. A 640×480 JPEG and its mask take a thread ≈ 20 ms on one core of the
 * development machine (decode 5, resize 11–13, mask 4), so eight threads keep up with ≈ 400
 * queries/s, above what two sessions reach on an H200 (181 /s at batch 8). Large photos take
 * far longer: 1920×1080 ≈ 70 ms, 4000×3000 ≈ 370 ms (decode 140, resize 200, mask 38).
 */
export function jobWorkerThreads(cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(8, cores - 2));
}

type Pending = { resolve: (v: ImageTensor | Uint8Array) => void; reject: (e: Error) => void };

/** A fixed set of job threads; each request goes to the thread with the fewest pending. */
export class JobWorkerPool {
  private nextId = 1;
  private readonly workers: {
    readonly worker: Worker;
    readonly pending: Map<number, Pending>;
    /** Why the thread stopped, once it has: it gets no more requests. */
    ended?: string;
  }[];

  constructor(geom: InputSize, threads = jobWorkerThreads(), script = JOB_WORKER_SCRIPT) {
    this.workers = Array.from({ length: Math.max(1, threads) }, () => {
      const entry: (typeof this.workers)[number] = {
        worker: new Worker(script, { workerData: { inputW: geom.inputW, inputH: geom.inputH } }),
        pending: new Map<number, Pending>(),
      };
      entry.worker.on('message', (msg: FromJobWorker) => {
        const p = entry.pending.get(msg.id);
        entry.pending.delete(msg.id);
        if ('tensor' in msg) p?.resolve(msg.tensor);
        else if ('png' in msg) p?.resolve(msg.png);
        else p?.reject(msg.imageError ? new ImageInputError(msg.error) : new Error(msg.error));
      });
      const fail = (err: Error): void => {
        entry.ended ??= err.message;
        for (const p of entry.pending.values()) p.reject(err);
        entry.pending.clear();
      };
      entry.worker.on('error', fail);
      entry.worker.on('exit', () => fail(new Error('a job thread ended')));
      return entry;
    });
  }

  /** Loads one image as loadImageTensor does (same tensor, same errors). */
  loadImage(file: string): Promise<ImageTensor> {
    return this.send((id) => ({ id, load: file })) as Promise<ImageTensor>;
  }

  /** A mask file's bytes as predictionMaskPng makes them; `req.pred` is transferred (emptied). */
  maskPng(req: MaskRequest): Promise<Uint8Array> {
    // Transferring detaches the whole buffer: a view into a bigger one is copied first.
    const whole = req.pred.byteOffset === 0 && req.pred.byteLength === req.pred.buffer.byteLength;
    const pred = whole ? req.pred : req.pred.slice();
    return this.send(
      (id) => ({ id, mask: { ...req, pred } }),
      [pred.buffer as ArrayBuffer],
    ) as Promise<Uint8Array>;
  }

  /**
   * What a folder job hands to the pool: loading always; making masks too when there are two
   * threads or more (with one, loading and encoding queue behind each other in it: 2 cores, tiny
   * model, 200 images of 640×480: 79 images/s loading there, 60 with encoding as well, 68 with
   * neither).
   */
  jobOptions(): Pick<BatchJobOptions, 'loadImage' | 'maskPng'> {
    return {
      loadImage: (file) => this.loadImage(file),
      ...(this.workers.length >= 2 ? { maskPng: (req: MaskRequest) => this.maskPng(req) } : {}),
    };
  }

  /** Ends the threads (pending requests are rejected). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private send(
    message: (id: number) => ToJobWorker,
    transfer: ArrayBuffer[] = [],
  ): Promise<ImageTensor | Uint8Array> {
    const alive = this.workers.filter((w) => w.ended === undefined);
    if (alive.length === 0) {
      return Promise.reject(new Error(`no job thread left: ${this.workers[0]?.ended ?? 'closed'}`));
    }
    const entry = alive.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      entry.pending.set(id, { resolve, reject });
      entry.worker.postMessage(message(id), transfer);
    });
  }
}

/**
 * The pool for a folder job on `provider`: GPU providers only. On the CPU the model takes
 * seconds per query and every core, so this work costs nothing in the job's own thread there.
 */
export function jobWorkerPoolFor(
  provider: ProviderName,
  geom: InputSize,
): JobWorkerPool | undefined {
  return provider === 'cpu' ? undefined : new JobWorkerPool(geom);
}
