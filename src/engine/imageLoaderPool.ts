/**
 * Query images decoded, resized and normalized in worker threads, for folder jobs on a GPU.
 *
 * Preparing a query takes the host tens of milliseconds (sharp decodes; the Pillow-exact bicubic
 * resize and the normalization run in JavaScript), as long as a GPU takes for several queries.
 * On the job's own thread that work, the masks' encoding and the model runs take turns; in a
 * pool of threads it runs beside them.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ImageInputError, type ImageTensor, type InputSize } from './imageInput';
import type { ProviderName } from './providers';

/** Messages to a loader thread. */
export interface ToLoader {
  readonly id: number;
  readonly path: string;
}

/** Messages from a loader thread: the tensor, or the one-line error loadImageTensor gave. */
export type FromLoader =
  | { readonly id: number; readonly tensor: ImageTensor }
  | { readonly id: number; readonly error: string };

/** The bundled worker script beside this module (dist/imageLoader.js, or the compiled test copy). */
export const LOADER_SCRIPT = path.join(__dirname, 'imageLoader.js');

/** Threads for a pool: one core is left to the job's own thread, at most four are used. */
export function loaderThreads(cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

/** A fixed set of loader threads; each request goes to the thread with the fewest pending. */
export class ImageLoaderPool {
  private nextId = 1;
  private readonly workers: {
    readonly worker: Worker;
    readonly pending: Map<
      number,
      { resolve: (t: ImageTensor) => void; reject: (e: Error) => void }
    >;
  }[];

  constructor(geom: InputSize, threads = loaderThreads(), script = LOADER_SCRIPT) {
    this.workers = Array.from({ length: Math.max(1, threads) }, () => {
      const entry = {
        worker: new Worker(script, { workerData: { inputW: geom.inputW, inputH: geom.inputH } }),
        pending: new Map<
          number,
          { resolve: (t: ImageTensor) => void; reject: (e: Error) => void }
        >(),
      };
      entry.worker.on('message', (msg: FromLoader) => {
        const p = entry.pending.get(msg.id);
        entry.pending.delete(msg.id);
        if ('tensor' in msg) p?.resolve(msg.tensor);
        else p?.reject(new ImageInputError(msg.error));
      });
      const fail = (err: Error): void => {
        for (const p of entry.pending.values()) p.reject(err);
        entry.pending.clear();
      };
      entry.worker.on('error', fail);
      entry.worker.on('exit', () => fail(new Error('an image loader thread ended')));
      return entry;
    });
  }

  /** Loads one image as loadImageTensor does (same tensor, same errors). */
  load(file: string): Promise<ImageTensor> {
    const entry = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      entry.pending.set(id, { resolve, reject });
      entry.worker.postMessage({ id, path: file } satisfies ToLoader);
    });
  }

  /** Ends the threads (pending loads are rejected). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/**
 * The loader pool for a folder job on `provider`: GPU providers only. On the CPU the model takes
 * seconds per query and every core, so loading in the job's own thread costs nothing there.
 */
export function jobLoaderPool(
  provider: ProviderName,
  geom: InputSize,
): ImageLoaderPool | undefined {
  return provider === 'cpu' ? undefined : new ImageLoaderPool(geom);
}
