/** Section `cpu-fp32`: the fp32 model on the CPU provider. */
import * as path from 'node:path';
import { SegGptSession } from '../../src/engine/segGptSession';
import { cpuPeak } from '../cpuPeak';
import { reportProfile } from '../profile';
import type { Section } from '../section';
import { round, summarize } from '../stats';
import { cpuShare, peakRssMib, timed, type Timed } from '../timing';

const MIB = 1024 * 1024;

export const cpuFp32Section: Section = {
  name: 'cpu-fp32',
  summary: 'fp32 model on the CPU provider: load, first query, latency, GFLOP/s, memory',
  async run(ctx) {
    const { opts } = ctx;
    const model = await ctx.model('fp32');
    if (model.built) {
      ctx.log(
        `converted in ${((model.convertMs ?? 0) / 1000).toFixed(1)} s ` +
          `(${(model.bytes / MIB).toFixed(0)} MiB, converter peak RSS ${(model.convertPeakRssMib ?? 0).toFixed(0)} MiB)`,
      );
    } else {
      ctx.log(`reusing ${path.relative(process.cwd(), model.modelPath)}`);
    }

    const profilePrefix = opts.profile
      ? path.join(ctx.cacheDir, `profile-${ctx.label}-cpu-fp32`)
      : undefined;
    const profileSince = Date.now();
    const t0 = performance.now();
    const session = await SegGptSession.load(model.modelPath, {
      providers: ['cpu'],
      threads: opts.threads,
      profilePrefix,
    });
    const loadWallMs = performance.now() - t0;
    const rssAfterLoadMib = process.memoryUsage().rss / MIB;
    ctx.log(
      `loaded on ${session.provider} in ${session.loadMs.toFixed(0)} ms ` +
        `(${opts.threads} threads), RSS ${rssAfterLoadMib.toFixed(0)} MiB`,
    );
    try {
      // Warm-up, which is also the first query: latency to the first mask = load + this run.
      const w0 = performance.now();
      const first = await session.run(ctx.query);
      const firstRunMs = performance.now() - w0;
      const firstQueryMs = performance.now() - t0;
      ctx.log(`first run ${firstRunMs.toFixed(0)} ms (first query ${firstQueryMs.toFixed(0)} ms)`);
      const finite = first.every(Number.isFinite);
      const warmupMs = [firstRunMs];
      for (let i = 1; i < opts.warmup; i++) {
        const s = performance.now();
        await session.run(ctx.query);
        warmupMs.push(performance.now() - s);
        ctx.log(`warm-up ${i + 1}/${opts.warmup}: ${(warmupMs[i] as number).toFixed(0)} ms`);
      }

      const runs: Timed<unknown>[] = [];
      for (let i = 0; i < opts.runs; i++) {
        await ctx.settle();
        runs.push(await timed(() => session.run(ctx.query)));
        ctx.log(`run ${i + 1}/${opts.runs}: ${(runs[i]?.ms ?? 0).toFixed(0)} ms`);
      }
      const samples = runs.map((r) => r.ms);
      const peakRss = peakRssMib();
      const lat = summarize(samples);
      const seconds = lat.median / 1000;
      const peak = cpuPeak(opts.threads);
      const gflops = ctx.flops.total / seconds / 1e9;

      const details: Record<string, unknown> = {
        samples_ms: samples.map((s) => round(s, 5)),
        warmup_ms: warmupMs.map((s) => round(s, 5)),
        load_wall_ms: round(loadWallMs),
        model_path: model.modelPath,
        peak_basis: peak.basis,
      };
      if (profilePrefix) {
        session.endProfiling();
        const prof = reportProfile(profilePrefix, profileSince, opts.runs, ctx.log);
        if (prof) details['profile'] = prof;
      }

      return {
        figures: {
          cpu_fp32_latency_ms: round(lat.median),
          cpu_fp32_latency_min_ms: round(lat.min),
          cpu_fp32_latency_mean_ms: round(lat.mean),
          cpu_fp32_latency_max_ms: round(lat.max),
          cpu_fp32_latency_stdev_ms: round(lat.stdev, 3),
          cpu_fp32_gflops: round(gflops),
          cpu_fp32_gflops_best: round(ctx.flops.total / (lat.min / 1000) / 1e9),
          cpu_fp32_gflops_nominal: round(ctx.nominalFlops / seconds / 1e9),
          cpu_fp32_peak_gflops: peak.fp32PeakGflops,
          cpu_fp32_peak_fraction: round(gflops / peak.fp32PeakGflops, 3),
          cpu_fp32_cpu_share: round(cpuShare(runs, opts.threads), 3),
          cpu_fp32_threads: opts.threads,
          cpu_fp32_output_finite: finite,
          cpu_fp32_profiled: opts.profile,
          cpu_fp32_load_ms: round(session.loadMs),
          cpu_fp32_first_run_ms: round(firstRunMs),
          cpu_fp32_time_to_first_mask_ms: round(firstQueryMs),
          rss_after_load_mib: round(rssAfterLoadMib),
          peak_rss_mib: round(peakRss),
          runs: opts.runs,
          warmup_runs: opts.warmup,
          model_mib: round(model.bytes / MIB),
          convert_ms: model.built ? round(model.convertMs ?? 0) : null,
        },
        details,
      };
    } finally {
      await session.release();
    }
  },
};
