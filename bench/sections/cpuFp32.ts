/**
 * Section `cpu-fp32`: the fp32 model on the CPU provider. The full graph (every run does the whole
 * query, so GFLOP/s are exact) interleaved with the engine's default split graphs, whose prompt
 * features are cached after the first run: the saving of computing prompt-only work once.
 */
import * as path from 'node:path';
import { SegGptSession } from '../../src/engine/segGptSession';
import { cpuPeak } from '../cpuPeak';
import { promptOnlyFlops } from '../flops';
import { reportProfile } from '../profile';
import type { BenchContext, FigureValue, Section } from '../section';
import { round, summarize } from '../stats';
import { cpuShare, peakRssMib, rssMib, timed, type Timed } from '../timing';

const MIB = 1024 * 1024;

async function modelPath(ctx: BenchContext): Promise<string> {
  const model = await ctx.model('fp32');
  if (model.built) {
    ctx.log(
      `converted in ${((model.convertMs ?? 0) / 1000).toFixed(1)} s ` +
        `(${(model.bytes / MIB).toFixed(0)} MiB, converter peak RSS ${(model.convertPeakRssMib ?? 0).toFixed(0)} MiB)`,
    );
  } else {
    ctx.log(`reusing ${path.relative(process.cwd(), model.modelPath)}`);
  }
  return model.modelPath;
}

export const cpuFp32Section: Section = {
  name: 'cpu-fp32',
  summary: 'fp32 on the CPU: load, first query, latency, GFLOP/s vs peak; cached-prompt saving',
  async run(ctx) {
    const { opts } = ctx;
    const file = await modelPath(ctx);
    const profilePrefix = opts.profile
      ? path.join(ctx.cacheDir, `profile-${ctx.label}-cpu-fp32`)
      : undefined;
    const profileSince = Date.now();
    const full = await SegGptSession.load(file, {
      providers: ['cpu'],
      threads: opts.threads,
      graphs: 'full',
      profilePrefix,
    });
    const rssAfterLoad = rssMib();
    ctx.log(
      `full graph loaded in ${full.loadMs.toFixed(0)} ms (${opts.threads} threads), RSS ${rssAfterLoad.toFixed(0)} MiB`,
    );
    let split: SegGptSession | undefined;
    try {
      // The first run is the first query: latency to the first mask = load + this run.
      const first = await timed(() => full.run(ctx.query));
      ctx.log(
        `first run ${first.ms.toFixed(0)} ms (first mask ${(full.loadMs + first.ms).toFixed(0)} ms after load began)`,
      );
      const warmupMs = [first.ms];
      for (let i = 1; i < opts.warmup; i++) {
        warmupMs.push((await timed(() => full.run(ctx.query))).ms);
        ctx.log(`warm-up ${i + 1}/${opts.warmup}: ${(warmupMs[i] as number).toFixed(0)} ms`);
      }
      split = await SegGptSession.load(file, { providers: ['cpu'], threads: opts.threads });
      const cached = split.usesSplitGraphs ? split : undefined;
      const splitWarm: number[] = [];
      if (cached) {
        // Warm-up of the split graphs; the first run encodes the prompt (a cache miss).
        for (let i = 0; i < opts.warmup; i++) {
          splitWarm.push((await timed(() => cached.run(ctx.query))).ms);
        }
        ctx.log(
          `split graphs warm-up (first encodes the prompt): ${splitWarm.map((m) => m.toFixed(0)).join(', ')} ms`,
        );
      } else {
        ctx.log('no split graphs beside the model: the cached-prompt figures are left out');
      }

      const runs: Timed<unknown>[] = [];
      const cachedRuns: Timed<unknown>[] = [];
      for (let i = 0; i < opts.runs; i++) {
        await ctx.settle();
        const doFull = async (): Promise<void> => {
          runs.push(await timed(() => full.run(ctx.query)));
        };
        const doCached = async (): Promise<void> => {
          if (cached) cachedRuns.push(await timed(() => cached.run(ctx.query)));
        };
        if (i % 2 === 0) {
          await doFull();
          await doCached();
        } else {
          await doCached();
          await doFull();
        }
        ctx.log(
          `run ${i + 1}/${opts.runs}: ${(runs.at(-1)?.ms ?? 0).toFixed(0)} ms` +
            (cached ? ` (cached prompt ${(cachedRuns.at(-1)?.ms ?? 0).toFixed(0)} ms)` : ''),
        );
      }
      const lat = summarize(runs.map((r) => r.ms));
      const peak = cpuPeak(opts.threads);
      const gflops = ctx.flops.total / (lat.median / 1000) / 1e9;
      const figures: Record<string, FigureValue> = {
        cpu_fp32_latency_ms: round(lat.median),
        cpu_fp32_latency_min_ms: round(lat.min),
        cpu_fp32_latency_mean_ms: round(lat.mean),
        cpu_fp32_latency_max_ms: round(lat.max),
        cpu_fp32_latency_stdev_ms: round(lat.stdev, 3),
        cpu_fp32_gflops: round(gflops),
        cpu_fp32_gflops_best: round(ctx.flops.total / (lat.min / 1000) / 1e9),
        cpu_fp32_gflops_nominal: round(ctx.nominalFlops / (lat.median / 1000) / 1e9),
        cpu_fp32_peak_gflops: peak.fp32PeakGflops,
        cpu_fp32_peak_fraction: round(gflops / peak.fp32PeakGflops, 3),
        cpu_fp32_cpu_share: round(cpuShare(runs, opts.threads), 3),
        cpu_fp32_threads: opts.threads,
        cpu_fp32_output_finite: first.value.every(Number.isFinite),
        cpu_fp32_profiled: opts.profile,
        cpu_fp32_load_ms: round(full.loadMs),
        cpu_fp32_first_run_ms: round(first.ms),
        cpu_fp32_time_to_first_mask_ms: round(full.loadMs + first.ms),
        rss_after_load_mib: round(rssAfterLoad),
        peak_rss_mib: round(peakRssMib()),
        runs: opts.runs,
        warmup_runs: opts.warmup,
      };
      if (cached) {
        const c = summarize(cachedRuns.map((r) => r.ms));
        const rest = ctx.flops.total - promptOnlyFlops(ctx.config);
        Object.assign(figures, {
          cpu_fp32_cached_prompt_latency_ms: round(c.median),
          cpu_fp32_cached_prompt_latency_min_ms: round(c.min),
          cpu_fp32_cached_prompt_gflops: round(rest / (c.median / 1000) / 1e9),
          prompt_cache_saving: round(1 - c.median / lat.median, 3),
          prompt_cache_saving_expected: round(1 - rest / ctx.flops.total, 3),
        });
      }
      const details: Record<string, unknown> = {
        samples_ms: runs.map((s) => round(s.ms, 5)),
        cached_prompt_samples_ms: cachedRuns.map((s) => round(s.ms, 5)),
        warmup_ms: warmupMs.map((s) => round(s, 5)),
        split_warmup_ms: splitWarm.map((s) => round(s, 5)),
        model_path: file,
        peak_basis: peak.basis,
      };
      if (profilePrefix) {
        full.endProfiling();
        const prof = reportProfile(profilePrefix, profileSince, opts.runs, ctx.log);
        if (prof) details['profile'] = prof;
      }
      return { figures, details };
    } finally {
      await full.release();
      await split?.release();
    }
  },
};
