/** Applying one prompt to many images: pipelined decode → inference → write, cancellable. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MaskExistsError, writeFileAtomic } from './atomicWrite';
import { loadImageTensor, type ImageTensor, type InputSize } from './imageInput';
import { predictionMaskPng, type MaskRequest } from './maskFile';
import { maskPathFor } from './maskPaths';
import { maskSource } from './provenance';
import type { Predictor } from './replica';

/** Which existing masks may be replaced: none, those the model made, or all (asked for explicitly). */
export type OverwritePolicy = 'never' | 'model' | 'all';

/** What a job needs of its model: a Segmenter, or anything that predicts at the same size. */
export interface JobModel extends Predictor {
  readonly session: { readonly geometry: InputSize };
  readonly prompt: { readonly palette: Uint8Array };
}

/** Progress of a running job. */
export interface BatchProgress {
  readonly done: number;
  readonly total: number;
  readonly written: number;
  readonly skipped: number;
  readonly failed: number;
  readonly imagesPerSecond: number;
  readonly etaSeconds: number;
  readonly current?: string;
}

/** What a job does and how it reports. */
export interface BatchJobOptions {
  readonly targets: readonly string[];
  readonly maskTemplate?: string;
  readonly overwrite: OverwritePolicy;
  /** Queries per model run. */
  readonly batchSize: number;
  /** tEXt chunks for every mask written (provenance). */
  readonly textChunks: Record<string, string>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: BatchProgress) => void;
  /**
   * More predictors for the same model and prompt (replicas in other threads, see replica.ts),
   * joining the job as they become ready, each with two batches in hand (it starts the second
   * as soon as the first is done, even while this thread is busy); a batch one of them fails
   * runs on `seg` instead and that helper leaves the job.
   */
  readonly helpers?: readonly Promise<Predictor>[];
  /**
   * `seg` runs batches only while no helper is working: until the first is ready, and again if
   * every helper leaves. For sessions whose runs block this thread (onnxruntime-node runs a model
   * synchronously): while one runs, this thread cannot hand out batches, take results or step
   * the mask writes along, so sessions in threads of their own keep a GPU fed better.
   */
  readonly sessionStandsBy?: boolean;
  /** Loads a query image (default: loadImageTensor in this thread; see JobWorkerPool). */
  readonly loadImage?: (file: string) => Promise<ImageTensor>;
  /** Makes a mask file's bytes (default: predictionMaskPng in this thread; see JobWorkerPool). */
  readonly maskPng?: (req: MaskRequest) => Promise<Uint8Array>;
}

/** Batches a helper has in hand at once. */
const HELPER_DEPTH = 2;

/** Outcome of a job: every target is written, skipped (with why) or failed (with the error). */
export interface BatchJobResult {
  readonly written: string[];
  readonly skipped: { path: string; reason: string }[];
  readonly failed: { path: string; error: string }[];
  readonly cancelled: boolean;
  readonly seconds: number;
  /** Sessions that ran batches: the job's own if it ran one, and each helper that ran one. */
  readonly sessions: number;
  /** Why helpers could not start or left the job, one line each. */
  readonly notes: string[];
}

type Outcome = Pick<BatchJobResult, 'written' | 'skipped' | 'failed'>;

/** A batch after the model: its items and their predictions (none if the model failed). */
interface Predicted {
  readonly loaded: Loaded;
  readonly preds?: Float32Array[];
}

interface Loaded {
  readonly items: { path: string; mask: string; overwrite: boolean; tensor: ImageTensor }[];
}

/**
 * Runs the job. While the model runs batch k, batch k+1 is decoded and batch k−1 is written,
 * so inference rarely waits on I/O. Masks are written atomically: a cancelled or killed job
 * leaves no partial file, and a rerun resumes by skipping the masks already there.
 */
export async function runBatchJob(seg: JobModel, opts: BatchJobOptions): Promise<BatchJobResult> {
  const start = performance.now();
  const result: Outcome = { written: [], skipped: [], failed: [] };
  const total = opts.targets.length;
  let modelDone = 0;
  const report = (current?: string): void => {
    const done = result.written.length + result.skipped.length + result.failed.length;
    const secs = (performance.now() - start) / 1000;
    const rate = secs > 0 ? modelDone / secs : 0;
    opts.onProgress?.({
      done,
      total,
      written: result.written.length,
      skipped: result.skipped.length,
      failed: result.failed.length,
      imagesPerSecond: rate,
      etaSeconds: rate > 0 ? (total - done) / rate : Infinity,
      current,
    });
  };

  const batches: string[][] = [];
  for (let i = 0; i < total; i += Math.max(1, opts.batchSize)) {
    batches.push(opts.targets.slice(i, i + Math.max(1, opts.batchSize)));
  }
  const loadImage =
    opts.loadImage ?? ((file: string) => loadImageTensor(file, seg.session.geometry));
  const load = async (paths: string[]): Promise<Loaded> => {
    const items: Loaded['items'] = [];
    await Promise.all(
      paths.map(async (p) => {
        const mask = maskPathFor(p, opts.maskTemplate);
        const decision = await mayWrite(mask, opts.overwrite);
        if (decision !== true) {
          result.skipped.push({ path: p, reason: decision });
          return;
        }
        try {
          items.push({
            path: p,
            mask,
            overwrite: fs.existsSync(mask),
            tensor: await loadImage(p),
          });
        } catch (err) {
          result.failed.push({ path: p, error: message(err) });
        }
      }),
    );
    items.sort((a, b) => paths.indexOf(a.path) - paths.indexOf(b.path));
    return { items };
  };

  // Predictors take the next batch as they come free; masks are written in batch order. While
  // the model runs batch k, the next batches are decoded and the previous one written.
  const helpers = opts.helpers ?? [];
  const loops = 1 + HELPER_DEPTH * helpers.length; // batches the predictors can have in hand
  // Batches decoded ahead of the next one taken: one per predictor (a helper's loops take their
  // batches at about the same time only at the start).
  const prefetch = 1 + helpers.length;
  const loads = new Map<number, Promise<Loaded>>();
  const loadOf = (k: number): Promise<Loaded> | undefined => {
    if (k >= batches.length) return undefined;
    let p = loads.get(k);
    if (!p) {
      p = load(batches[k] as string[]);
      p.catch(() => undefined); // a prefetch nobody awaits yet must not count as unhandled
      loads.set(k, p);
    }
    return p;
  };
  // One slot per batch until the writer has taken its result (a slot kept after that would keep
  // the batch's tensors and predictions alive to the end of the job).
  const slots = new Map(batches.map((_, k) => [k, settleable<Predicted | undefined>()]));
  let taken = 0;
  const finished = (): boolean => (opts.signal?.aborted ?? false) || taken >= batches.length;
  const take = (): number | undefined => {
    if (!finished()) return taken++;
    wakeSession(); // it may be standing by for batches nobody will take
    return undefined;
  };
  // Predictors stay at most this many batches ahead of the batch being written, so results
  // waiting to be written stay few however fast the model runs.
  const maxAhead = 1 + loops;
  let consumed = 0; // batches written or being written
  let waiting: (() => void)[] = [];
  /** The next batch to run once there is room for it (checked and taken in one step). */
  const next = async (): Promise<number | undefined> => {
    while (taken - consumed >= maxAhead) await new Promise<void>((r) => waiting.push(r));
    return take();
  };
  const advance = (to: number): void => {
    consumed = to;
    const wake = waiting;
    waiting = [];
    for (const w of wake) w();
  };
  const notes: string[] = [];
  let sessions = 0;
  let ownRan = false;
  /** Runs a batch on the job's own session. */
  const onOwn = (loaded: Loaded): Promise<Predicted> => {
    if (!ownRan) {
      ownRan = true;
      sessions++;
    }
    return predictOn(seg, loaded);
  };
  /** A helper's standing in the job, shared by the loops that feed it. */
  interface Helper {
    readonly predictor: Predictor;
    ran: boolean;
    left: boolean;
  }
  let working = 0; // helpers ready and not left
  let standingBy: (() => void)[] = [];
  function wakeSession(): void {
    const wake = standingBy;
    standingBy = [];
    for (const w of wake) w();
  }
  opts.signal?.addEventListener('abort', wakeSession, { once: true });
  /** With `sessionStandsBy`, waits while a helper is working (and there is work left). */
  const sessionTurn = async (): Promise<void> => {
    while (opts.sessionStandsBy && working > 0 && !finished()) {
      await new Promise<void>((r) => standingBy.push(r));
    }
  };
  const leave = (helper: Helper, err: unknown): void => {
    if (helper.left) return;
    helper.left = true;
    notes.push(`a second session stopped: ${message(err)}`);
    working--;
    wakeSession();
  };
  /** Feeds batches to `seg`, or to a helper, until none are left or the job is cancelled. */
  const drive = async (helper?: Helper): Promise<void> => {
    while (!helper?.left) {
      if (!helper) await sessionTurn();
      const k = await next();
      if (k === undefined) return;
      const slot = slots.get(k) as Settleable<Predicted | undefined>;
      let loaded: Loaded;
      try {
        loaded = await (loadOf(k) as Promise<Loaded>);
      } catch (err) {
        for (const file of batches[k] as string[])
          result.failed.push({ path: file, error: message(err) });
        slot.resolve(undefined);
        continue;
      } finally {
        loads.delete(k);
        for (let j = 0; j < prefetch; j++) void loadOf(taken + j);
      }
      if (loaded.items.length === 0) {
        slot.resolve({ loaded });
        continue;
      }
      report(loaded.items[0]?.path);
      if (!helper || helper.left) {
        slot.resolve(await onOwn(loaded));
        continue;
      }
      try {
        const queries = loaded.items.map((i) => i.tensor.data);
        slot.resolve({ loaded, preds: await helper.predictor.predict(queries) });
        modelDone += loaded.items.length;
        if (!helper.ran) {
          helper.ran = true;
          sessions++;
        }
      } catch (err) {
        // The helper leaves; its batch runs on the job's own session.
        leave(helper, err);
        slot.resolve(await onOwn(loaded));
      }
    }
  };
  /** Runs a batch on `p`; if the model fails, its images fail with the error. */
  const predictOn = async (p: Predictor, loaded: Loaded): Promise<Predicted> => {
    try {
      const preds = await p.predict(loaded.items.map((i) => i.tensor.data));
      modelDone += loaded.items.length;
      return { loaded, preds };
    } catch (err) {
      for (const i of loaded.items) result.failed.push({ path: i.path, error: message(err) });
      return { loaded };
    }
  };
  let closed = false;
  const running = [
    drive().finally(() => {
      // Batches nobody took (cancelled) settle empty, so the writer below never waits on them.
      for (let k = taken; k < batches.length; k++) slots.get(k)?.resolve(undefined);
    }),
  ];
  for (const helper of helpers) {
    helper.then(
      (predictor) => {
        if (closed) return;
        const standing: Helper = { predictor, ran: false, left: false };
        working++;
        for (let d = 0; d < HELPER_DEPTH; d++) running.push(drive(standing));
      },
      (err: unknown) => notes.push(message(err)),
    );
  }

  let writing: Promise<void> = Promise.resolve();
  for (let k = 0; k < batches.length; k++) {
    const done = await (slots.get(k) as Settleable<Predicted | undefined>).promise;
    slots.delete(k);
    if (!done?.preds) {
      advance(k + 1);
      continue;
    }
    await writing;
    if (opts.signal?.aborted) break;
    advance(k + 1);
    writing = writeAll(seg, done.loaded, done.preds, opts, result).then(() => report());
  }
  await writing;
  advance(Infinity); // after a cancel, predictors waiting for room find nothing left to take
  closed = true;
  await Promise.all(running);
  opts.signal?.removeEventListener('abort', wakeSession);
  for (const p of loads.values()) await p.catch(() => undefined);
  report();
  return {
    ...result,
    cancelled: opts.signal?.aborted ?? false,
    seconds: (performance.now() - start) / 1000,
    sessions,
    notes,
  };
}

/** A promise with its resolve function at hand; settling twice keeps the first value. */
interface Settleable<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function settleable<T>(): Settleable<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve: (v) => resolve(v) };
}

/** Writes a batch's masks, all at once (their fsyncs overlap); outcomes are kept in order. */
async function writeAll(
  seg: JobModel,
  loaded: Loaded,
  preds: Float32Array[],
  opts: BatchJobOptions,
  result: Outcome,
): Promise<void> {
  if (opts.signal?.aborted) return;
  const outcomes = await Promise.all(
    loaded.items.map(async (item, i): Promise<() => void> => {
      try {
        const req: MaskRequest = {
          pred: preds[i] as Float32Array,
          width: item.tensor.width,
          height: item.tensor.height,
          palette: seg.prompt.palette,
          text: opts.textChunks,
        };
        const png = opts.maskPng
          ? await opts.maskPng(req)
          : await predictionMaskPng(req, seg.session.geometry);
        // Templates may name a folder of their own (`${dir}/masks/${stem}.png`).
        await fs.promises.mkdir(path.dirname(item.mask), { recursive: true });
        await writeFileAtomic(item.mask, png, { overwrite: item.overwrite });
        return () => result.written.push(item.mask);
      } catch (err) {
        if (err instanceof MaskExistsError)
          return () =>
            result.skipped.push({ path: item.path, reason: 'a mask appeared meanwhile' });
        return () => result.failed.push({ path: item.path, error: message(err) });
      }
    }),
  );
  for (const record of outcomes) record();
}

/** true if the mask may be written, else why not. */
async function mayWrite(mask: string, policy: OverwritePolicy): Promise<true | string> {
  if (!fs.existsSync(mask)) return true;
  if (policy === 'all') return true;
  if (policy === 'never') return 'mask exists';
  const source = await maskSource(mask);
  return source === 'model'
    ? true
    : `mask exists and was ${source === 'human' ? 'edited by a person' : 'not made by SegGPT'}`;
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] as string;
}
