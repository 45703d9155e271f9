/**
 * Section `job-host`: the host's side of a folder job on a GPU, measured without one.
 *
 * `runBatchJob` as a CUDA job runs it (the job threads of JobWorkerPool, two sessions in threads
 * of their own, the job's own session standing by), over real JPEGs with real mask writes, but
 * with stand-ins for the sessions: each holds a batch of 8 for a fixed time, as a session's
 * thread waits for its GPU, and answers with a fixed prediction. With no time at all this is the
 * host's ceiling; with `--host-batch-ms` (default: two CUDA sessions on an H200) it is the share
 * of that model rate the host keeps. Decoding, resizing, post-processing, PNG encoding, file
 * writes and the job's own bookkeeping all run for real; only the model does not.
 */
import * as path from 'node:path';
import { runBatchJob, type JobModel } from '../../src/engine/batchJob';
import { geometryOf } from '../../src/engine/config';
import { IMAGENET_MEAN, IMAGENET_STD, type InputSize } from '../../src/engine/imageInput';
import { JobWorkerPool, jobWorkerThreads } from '../../src/engine/jobWorkerPool';
import { modelProvenance } from '../../src/engine/provenance';
import { DEFAULT_GPU_SESSIONS, type Predictor } from '../../src/engine/replica';
import type { FigureValue, Section } from '../section';
import { round } from '../stats';
import { writeSyntheticSet } from '../syntheticSet';

/** Queries per batch, as in the GPU figures. */
const BATCH = 8;

/** A normalized prediction of a white disc on black, as the model would answer. */
function discPrediction(geom: InputSize): Float32Array {
  const { inputW: w, inputH: h } = geom;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (Math.min(w, h) / 3) ** 2 ? 1 : 0;
      for (let c = 0; c < 3; c++) {
        out[c * plane + y * w + x] =
          (inside - (IMAGENET_MEAN[c] as number)) / (IMAGENET_STD[c] as number);
      }
    }
  }
  return out;
}

/** A session in a thread of its own: its batches one after another, each held `ms`. */
function standInThread(pred: Float32Array, ms: number): Predictor {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    predict(queries) {
      const done = queue.then(async () => {
        await new Promise((r) => setTimeout(r, ms));
        return queries.map(() => pred.slice());
      });
      queue = done.catch(() => undefined);
      return done;
    },
  };
}

export const jobHostSection: Section = {
  name: 'job-host',
  summary:
    'a CUDA folder job with stand-in sessions: the host ceiling (images/s) and its share of a model rate',
  async run(ctx) {
    const { opts } = ctx;
    const geom: InputSize = geometryOf(ctx.config);
    const pred = discPrediction(geom);
    const n = opts.hostImages;
    ctx.log(`writing ${n} synthetic images (JPEG, 480–800 px) …`);
    const set = await writeSyntheticSet(ctx.tempDir('job-host'), n, { seed: opts.seed + 7 });
    const sessions = DEFAULT_GPU_SESSIONS;
    // The job's own session: its run blocks this thread, as onnxruntime-node's does.
    const blocker = new Int32Array(new SharedArrayBuffer(4));
    const own = (ms: number): JobModel => ({
      session: { geometry: geom },
      prompt: { palette: Uint8Array.from([0, 0, 0, 255, 255, 255]) },
      async predict(queries) {
        Atomics.wait(blocker, 0, 0, ms);
        return queries.map(() => pred.slice());
      },
    });
    const threads = jobWorkerThreads();
    const text = modelProvenance('stand-in', 'bench prompt');
    const job = async (ms: number): Promise<number> => {
      const pool = new JobWorkerPool(geom, threads);
      try {
        await ctx.settle();
        const r = await runBatchJob(own(ms), {
          targets: set.images,
          overwrite: 'all',
          batchSize: BATCH,
          textChunks: text,
          helpers: Array.from({ length: sessions }, () => Promise.resolve(standInThread(pred, ms))),
          sessionStandsBy: true,
          ...pool.jobOptions(),
        });
        if (r.written.length !== n) {
          throw new Error(`the job wrote ${r.written.length} of ${n} masks`);
        }
        return n / r.seconds;
      } finally {
        await pool.close();
      }
    };

    const modelRate = (sessions * BATCH * 1000) / opts.hostBatchMs;
    const samples = { ceiling: [] as number[], model: [] as number[] };
    await job(0); // warm-up: threads started, code compiled, files in the page cache
    for (let i = 0; i < 2; i++) {
      for (const kind of i % 2
        ? (['model', 'ceiling'] as const)
        : (['ceiling', 'model'] as const)) {
        const rate = await job(kind === 'ceiling' ? 0 : opts.hostBatchMs);
        samples[kind].push(rate);
        ctx.log(
          `${kind === 'ceiling' ? 'no model time' : `${opts.hostBatchMs} ms per batch`}: ${rate.toFixed(1)} images/s`,
        );
      }
    }
    const best = (xs: number[]): number => Math.max(...xs);
    const figures: Record<string, FigureValue> = {
      job_host_threads: threads,
      job_host_sessions: sessions,
      job_host_images: n,
      job_host_ceiling_images_per_s: round(best(samples.ceiling), 3),
      job_host_batch_ms: opts.hostBatchMs,
      job_host_model_images_per_s: round(modelRate, 4),
      job_host_images_per_s: round(best(samples.model), 3),
      job_host_efficiency: round(best(samples.model) / modelRate, 3),
    };
    ctx.log(
      `${threads} job thread(s), ${sessions} stand-in sessions: ceiling ${figures['job_host_ceiling_images_per_s']} images/s; ` +
        `at ${round(modelRate, 4)} images/s of model, ${figures['job_host_images_per_s']} (${round((100 * best(samples.model)) / modelRate, 3)}%)`,
    );
    return {
      figures,
      details: { samples, folder: path.dirname(set.images[0] as string) },
    };
  },
};
