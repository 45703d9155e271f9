/** Section `cpu-fp32`: the fp32 model on the CPU provider. */
import * as path from 'node:path';
import { SegGptSession } from '../../src/engine/segGptSession';
import { findProfileFile, summarizeProfile } from '../profile';
import type { Section } from '../section';
import { round, summarize } from '../stats';

const MIB = 1024 * 1024;

/** Top op types printed with --profile. */
const TOP_OPS = 15;

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

      const samples: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const s = performance.now();
        await session.run(ctx.query);
        samples.push(performance.now() - s);
        ctx.log(`run ${i + 1}/${opts.runs}: ${(samples[i] as number).toFixed(0)} ms`);
      }
      const peakRssMib = process.resourceUsage().maxRSS / 1024;
      const lat = summarize(samples);
      const seconds = lat.median / 1000;
      ctx.shared.fp32Prediction = first;
      ctx.shared.fp32LatencyMs = lat.median;

      const details: Record<string, unknown> = {
        samples_ms: samples.map((s) => round(s, 5)),
        warmup_ms: warmupMs.map((s) => round(s, 5)),
        load_wall_ms: round(loadWallMs),
        model_path: model.modelPath,
      };
      if (profilePrefix) {
        session.endProfiling();
        const file = findProfileFile(profilePrefix, profileSince);
        if (!file) {
          ctx.log(`no profile file found for prefix ${profilePrefix}`);
        } else {
          const prof = summarizeProfile(file, opts.runs);
          details['profile'] = {
            file: prof.file,
            counted_runs: prof.countedRuns,
            node_ms_per_run: round(prof.nodeMsPerRun),
            top_ops: prof.ops.slice(0, TOP_OPS).map(roundOp),
            top_nodes: prof.nodes.slice(0, 25).map(roundOp),
          };
          printProfile(
            prof.ops.slice(0, TOP_OPS),
            prof.nodeMsPerRun,
            prof.countedRuns,
            file,
            ctx.log,
          );
        }
      }

      return {
        figures: {
          cpu_fp32_latency_ms: round(lat.median),
          cpu_fp32_latency_min_ms: round(lat.min),
          cpu_fp32_latency_mean_ms: round(lat.mean),
          cpu_fp32_latency_max_ms: round(lat.max),
          cpu_fp32_latency_stdev_ms: round(lat.stdev, 3),
          cpu_fp32_gflops: round(ctx.flops.total / seconds / 1e9),
          cpu_fp32_gflops_nominal: round(ctx.nominalFlops / seconds / 1e9),
          cpu_fp32_threads: opts.threads,
          cpu_fp32_output_finite: finite,
          cpu_fp32_profiled: opts.profile,
          load_ms: round(session.loadMs),
          first_run_ms: round(firstRunMs),
          first_query_ms: round(firstQueryMs),
          rss_after_load_mib: round(rssAfterLoadMib),
          peak_rss_mib: round(peakRssMib),
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

function roundOp<T extends { totalMs: number; perRunMs: number; percent: number }>(o: T): T {
  return {
    ...o,
    totalMs: round(o.totalMs),
    perRunMs: round(o.perRunMs),
    percent: round(o.percent, 3),
  };
}

function printProfile(
  ops: readonly { name: string; perRunMs: number; percent: number; calls: number }[],
  nodeMsPerRun: number,
  runs: number,
  file: string,
  log: (m: string) => void,
): void {
  log(
    `profile ${path.relative(process.cwd(), file)}: node time ${nodeMsPerRun.toFixed(0)} ms per run (${runs} run${runs === 1 ? '' : 's'} counted, warm-up excluded)`,
  );
  log(
    `${'op type'.padEnd(28)} ${'ms/run'.padStart(9)} ${'share'.padStart(7)} ${'calls/run'.padStart(9)}`,
  );
  for (const o of ops) {
    log(
      `${o.name.padEnd(28)} ${o.perRunMs.toFixed(1).padStart(9)} ${`${o.percent.toFixed(1)}%`.padStart(7)} ${(o.calls / runs).toFixed(0).padStart(9)}`,
    );
  }
}
