/**
 * Memory over a long folder job: `runBatchJob` over many images with the tiny fixture-config model
 * (milliseconds per query, so decode and PNG writing dominate), RSS recorded every 100 images.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../src/engine/config';
import { runBatchJob } from '../src/engine/batchJob';
import { preparePrompt } from '../src/engine/promptSet';
import { modelProvenance } from '../src/engine/provenance';
import { Segmenter } from '../src/engine/segmenter';
import { SegGptSession } from '../src/engine/segGptSession';
import { fixtureDir } from './fixtureFidelity';
import { configHash, ensureModel } from './modelCache';
import { writeSyntheticSet } from './syntheticSet';
import type { FigureValue } from './section';
import { round } from './stats';
import { rssMib } from './timing';

/** RSS after every `every` images, and the job's outcome. */
export interface FlatMemoryResult {
  readonly images: number;
  readonly written: number;
  readonly failed: number;
  readonly seconds: number;
  /** RSS (MiB) before the job, then after each checkpoint. */
  readonly rssStartMib: number;
  readonly checkpoints: { done: number; rssMib: number; heapUsedMib: number }[];
}

/** Runs the job over `count` generated images (25 distinct scenes, the rest copies). */
export async function flatMemoryRun(opts: {
  readonly count: number;
  readonly cacheDir: string;
  readonly workDir: string;
  readonly threads: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly log: (m: string) => void;
  readonly every?: number;
}): Promise<FlatMemoryResult> {
  const every = opts.every ?? 100;
  const config = parseConfig(
    JSON.parse(fs.readFileSync(path.join(fixtureDir(), 'config.json'), 'utf8')),
  );
  const model = await ensureModel({
    dir: opts.cacheDir,
    name: `tiny-${configHash(config)}`,
    config,
    precision: 'fp32',
    seed: opts.seed,
    log: opts.log,
  });
  const set = await writeSyntheticSet(opts.workDir, opts.count, {
    seed: opts.seed + 29,
    distinct: 25,
    sizes: [
      [320, 240],
      [256, 256],
      [240, 320],
    ],
  });
  const session = await SegGptSession.load(model.modelPath, {
    providers: ['cpu'],
    threads: opts.threads,
  });
  try {
    const prompt = await preparePrompt(
      { pairs: [{ image: set.promptImage, mask: set.promptMask }], semantic: false },
      session.geometry,
    );
    const seg = new Segmenter(session, prompt);
    const checkpoints: FlatMemoryResult['checkpoints'] = [];
    let next = every;
    const rssStartMib = rssMib();
    const result = await runBatchJob(seg, {
      targets: set.images,
      overwrite: 'never',
      batchSize: opts.batchSize,
      textChunks: modelProvenance(path.basename(model.modelPath), 'bench prompt'),
      onProgress: (p) => {
        const last = checkpoints.at(-1)?.done;
        if ((p.done >= next || p.done === p.total) && last !== p.done) {
          const mem = process.memoryUsage();
          checkpoints.push({
            done: p.done,
            rssMib: mem.rss / 2 ** 20,
            heapUsedMib: mem.heapUsed / 2 ** 20,
          });
          while (next <= p.done) next += every;
        }
      },
    });
    return {
      images: opts.count,
      written: result.written.length,
      failed: result.failed.length,
      seconds: result.seconds,
      rssStartMib,
      checkpoints,
    };
  } finally {
    await session.release();
  }
}

/** The figures (and a log line) of a flatness run: RSS at 100 images and at the end. */
export function summarizeFlat(flat: FlatMemoryResult): {
  figures: Record<string, FigureValue>;
  checkpoints: { done: number; rss_mib: number; heap_used_mib: number }[];
  line: string;
} {
  const at100 = flat.checkpoints.find((c) => c.done >= Math.min(100, flat.images))?.rssMib;
  const end = flat.checkpoints.at(-1)?.rssMib;
  return {
    figures: {
      flat_images: flat.images,
      flat_written: flat.written,
      flat_images_per_s: round(flat.images / flat.seconds),
      flat_rss_start_mib: round(flat.rssStartMib),
      flat_rss_at_100_mib: at100 === undefined ? null : round(at100),
      flat_rss_at_end_mib: end === undefined ? null : round(end),
      flat_rss_growth_mib: at100 === undefined || end === undefined ? null : round(end - at100, 3),
    },
    checkpoints: flat.checkpoints.map((c) => ({
      done: c.done,
      rss_mib: round(c.rssMib),
      heap_used_mib: round(c.heapUsedMib),
    })),
    line:
      `${flat.written} written, ${flat.failed} failed in ${flat.seconds.toFixed(1)} s; RSS (MiB) ` +
      flat.checkpoints.map((c) => `${c.done}: ${c.rssMib.toFixed(0)}`).join(', '),
  };
}
