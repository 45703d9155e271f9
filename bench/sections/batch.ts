/**
 * Section `batch`: one prompt over a folder. `runBatchJob` (decode → inference → PNG write,
 * pipelined) against the model alone (`Segmenter.predict` on pre-decoded tensors), the same
 * queries each, in the order model/job/job/model over the two halves of the folder so that a
 * drift in machine load affects both alike. Then a memory-flatness run over many images with the
 * tiny fixture-config model.
 */
import * as path from 'node:path';
import { runBatchJob } from '../../src/engine/batchJob';
import { loadImageTensor, type ImageTensor } from '../../src/engine/imageInput';
import { preparePrompt } from '../../src/engine/promptSet';
import { modelProvenance } from '../../src/engine/provenance';
import { Segmenter } from '../../src/engine/segmenter';
import { SegGptSession } from '../../src/engine/segGptSession';
import { flatMemoryRun, summarizeFlat } from '../flatMemory';
import type { FigureValue, Section } from '../section';
import { round, summarize } from '../stats';
import { writeSyntheticSet } from '../syntheticSet';
import { rssMib, sampleRss } from '../timing';

/** Runs `work` and returns its wall seconds. */
async function seconds(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

export const batchSection: Section = {
  name: 'batch',
  summary:
    'runBatchJob over a folder vs the model alone: images/s, efficiency, RSS; memory over 1,000 images',
  async run(ctx) {
    const { opts } = ctx;
    const figures: Record<string, FigureValue> = {};
    const details: Record<string, unknown> = {};
    // First, while this process is fresh, so that no memory a released session left in the
    // allocator can hide growth.
    if (opts.flatImages > 0) {
      ctx.log(`memory over ${opts.flatImages} images (tiny fixture-config model) …`);
      const flat = await flatMemoryRun({
        count: opts.flatImages,
        cacheDir: ctx.cacheDir,
        workDir: ctx.tempDir('flat'),
        threads: opts.threads,
        batchSize: opts.batchSize,
        seed: opts.seed,
        log: ctx.log,
      });
      const summary = summarizeFlat(flat);
      ctx.log(summary.line);
      Object.assign(figures, summary.figures);
      details['flat_checkpoints'] = summary.checkpoints;
    }

    const n = opts.batchImages;
    const model = await ctx.model(opts.batchPrecision);
    ctx.log(`writing ${n} synthetic images (JPEG, 480–800 px) …`);
    const set = await writeSyntheticSet(ctx.tempDir('batch'), n, { seed: opts.seed + 5 });
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
      const tensors = new Map<string, ImageTensor>();
      for (const img of set.images) tensors.set(img, await loadImageTensor(img, session.geometry));
      const data = (img: string): Float32Array => {
        const t = tensors.get(img);
        if (!t) throw new Error(`no tensor for ${img}`);
        return t.data;
      };
      // Steady state first: the first runs of a session pay for growing its memory arena.
      const warm = Math.max(2, opts.warmup);
      for (let i = 0; i < warm; i++) {
        const s = await seconds(() => seg.predict([data(set.images[0] as string)]));
        ctx.log(`warm-up ${i + 1}/${warm}: ${(s * 1000).toFixed(0)} ms`);
      }

      // Rounds over quarters of the folder, in the order MJ JM JM MJ (M: model only, J: job),
      // so that a drift in machine load during the section affects both alike.
      const rounds = Math.min(4, n);
      const chunks = Array.from({ length: rounds }, (_, k) =>
        set.images.slice(Math.round((k * n) / rounds), Math.round(((k + 1) * n) / rounds)),
      );
      const modelOnly = async (imgs: readonly string[]): Promise<number> =>
        seconds(async () => {
          for (let i = 0; i < imgs.length; i += opts.batchSize) {
            const chunk = imgs.slice(i, i + opts.batchSize).map(data);
            await seg.predict(chunk);
          }
        });
      const provenance = modelProvenance(path.basename(model.modelPath), 'bench prompt');
      const job = async (imgs: readonly string[]): Promise<number> => {
        const r = await runBatchJob(seg, {
          targets: imgs,
          overwrite: 'never',
          batchSize: opts.batchSize,
          textChunks: provenance,
        });
        if (r.written.length !== imgs.length) {
          throw new Error(
            `batch job wrote ${r.written.length} of ${imgs.length} masks: ` +
              `${JSON.stringify([...r.failed, ...r.skipped].slice(0, 3))}`,
          );
        }
        return r.seconds;
      };
      const t = { model: 0, job: 0 };
      // Process CPU time of each mode too: less sensitive than wall time to other processes.
      const cpu = { model: 0, job: 0 };
      const ratios: number[] = [];
      const rssStart = rssMib();
      const sampler = sampleRss(250);
      for (const [k, imgs] of chunks.entries()) {
        const order: ('model' | 'job')[] =
          k % 4 === 0 || k % 4 === 3 ? ['model', 'job'] : ['job', 'model'];
        const took = { model: 0, job: 0 };
        for (const kind of order) {
          await ctx.settle();
          const c0 = process.cpuUsage();
          took[kind] = kind === 'model' ? await modelOnly(imgs) : await job(imgs);
          const c = process.cpuUsage(c0);
          cpu[kind] += (c.user + c.system) / 1e6;
          t[kind] += took[kind];
          ctx.log(
            `round ${k + 1}/${rounds} ${kind === 'model' ? 'model only' : 'batch job '} ${imgs.length} images: ` +
              `${took[kind].toFixed(1)} s (${(imgs.length / took[kind]).toFixed(3)} images/s), RSS ${rssMib().toFixed(0)} MiB`,
          );
        }
        ratios.push(took.model / took.job);
      }
      const rss = sampler.stop();
      const rssEnd = rssMib();
      const jobRate = n / t.job;
      const modelRate = n / t.model;
      ctx.log(
        `efficiency ${((100 * jobRate) / modelRate).toFixed(1)}% ` +
          `(batch ${jobRate.toFixed(3)} vs model-only ${modelRate.toFixed(3)} images/s)`,
      );
      Object.assign(figures, {
        batch_precision: opts.batchPrecision,
        batch_images: n,
        batch_size: opts.batchSize,
        batch_images_per_s: round(jobRate),
        model_only_images_per_s: round(modelRate),
        batch_efficiency: round(jobRate / modelRate, 4),
        batch_efficiency_round_median: round(summarize(ratios).median, 4),
        batch_efficiency_cpu_time: round(cpu.model / cpu.job, 4),
        batch_rss_start_mib: round(rssStart),
        batch_rss_end_mib: round(rssEnd),
        batch_rss_max_mib: round(Math.max(...rss.map((r) => r.rssMib))),
      });
      details['rss_samples'] = rss
        .filter((_, i) => i % 4 === 0 || i === rss.length - 1)
        .map((r) => ({ t_s: round(r.tMs / 1000, 4), rss_mib: round(r.rssMib) }));
      details['seconds'] = { model_only: round(t.model), batch_job: round(t.job) };
      details['round_efficiencies'] = ratios.map((r) => round(r, 4));
      details['cpu_seconds'] = { model_only: round(cpu.model), batch_job: round(cpu.job) };
    } finally {
      await session.release();
    }

    return { figures, details };
  },
};
