/**
 * Section `cpu-fast`: the int8 model (quantized linear layers) against fp32 in the same process.
 * Speed: fp32 and int8 runs interleaved (order flipping every pair) after warm-up, so load from
 * other processes hits both alike. Fidelity: random ViT-L inputs, the reference fixture's real
 * weights and inputs, and mask agreement on a synthetic image set through the real pipeline.
 */
import * as path from 'node:path';
import { SegGptSession } from '../../src/engine/segGptSession';
import { cpuPeak } from '../cpuPeak';
import { fixtureFidelity } from '../fixtureFidelity';
import { maskAgreement } from '../maskAgreement';
import { reportProfile } from '../profile';
import type { BenchContext, Section } from '../section';
import { round, summarize } from '../stats';
import { writeSyntheticSet } from '../syntheticSet';
import { absError, cpuShare, timed, type Timed } from '../timing';

const MIB = 1024 * 1024;

/**
 * Loads the fp32 and int8 models (int8 profiled with --profile), as full graphs: every run does
 * the whole query, prompt stream included, so the speed-up is the models' own.
 */
async function loadBoth(
  ctx: BenchContext,
  profilePrefix: string | undefined,
): Promise<[SegGptSession, SegGptSession]> {
  const sessions: SegGptSession[] = [];
  for (const precision of ['fp32', 'int8'] as const) {
    const model = await ctx.model(precision);
    const s = await SegGptSession.load(model.modelPath, {
      providers: ['cpu'],
      threads: ctx.opts.threads,
      graphs: 'full',
      profilePrefix: precision === 'int8' ? profilePrefix : undefined,
    });
    ctx.log(
      `${precision}: ${(model.bytes / MIB).toFixed(0)} MiB model, loaded in ${s.loadMs.toFixed(0)} ms`,
    );
    sessions.push(s);
  }
  return sessions as [SegGptSession, SegGptSession];
}

export const cpuFastSection: Section = {
  name: 'cpu-fast',
  summary:
    'int8 model vs fp32: interleaved speed-up, error on random and fixture inputs, mask agreement',
  async run(ctx) {
    const { opts } = ctx;
    const profilePrefix = opts.profile
      ? path.join(ctx.cacheDir, `profile-${ctx.label}-cpu-int8`)
      : undefined;
    const profileSince = Date.now();
    const [fp32, int8] = await loadBoth(ctx, profilePrefix);
    try {
      // Warm-up pairs; the first pair's outputs give the error on random ViT-L inputs.
      const warm: { fp32: number[]; int8: number[] } = { fp32: [], int8: [] };
      let outF32: Float32Array | undefined;
      let outI8: Float32Array | undefined;
      for (let i = 0; i < opts.warmup; i++) {
        const a = await timed(() => fp32.run(ctx.query));
        const b = await timed(() => int8.run(ctx.query));
        outF32 ??= a.value;
        outI8 ??= b.value;
        warm.fp32.push(a.ms);
        warm.int8.push(b.ms);
        ctx.log(
          `warm-up ${i + 1}/${opts.warmup}: fp32 ${a.ms.toFixed(0)} ms, int8 ${b.ms.toFixed(0)} ms`,
        );
      }
      const randomErr = absError(outI8 as Float32Array, outF32 as Float32Array);
      const outputAbsMax = (outF32 as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      ctx.log(
        `random inputs: int8 vs fp32 max abs ${randomErr.max.toExponential(3)}, ` +
          `mean abs ${randomErr.mean.toExponential(3)} (fp32 outputs reach ±${outputAbsMax.toFixed(2)})`,
      );

      const fixture = await fixtureFidelity(ctx.tempDir('fixture'), opts.threads);
      ctx.log(
        `fixture: int8 vs fp32 max abs ${fixture.int8VsFp32.max.toExponential(3)}, mean abs ` +
          `${fixture.int8VsFp32.mean.toExponential(3)}; fp32 vs float64 reference max abs ` +
          `${fixture.fp32VsReference.max.toExponential(3)}`,
      );

      ctx.log(`mask agreement on ${opts.agreementImages} synthetic images (random weights):`);
      const set = await writeSyntheticSet(ctx.tempDir('agreement'), opts.agreementImages, {
        seed: opts.seed + 11,
      });
      const agree = await maskAgreement(fp32, int8, set, ctx.log, () => ctx.settle());

      // Timed pairs, order flipping each pair; done last so a profile counts only these runs.
      const tF32: Timed<unknown>[] = [];
      const tI8: Timed<unknown>[] = [];
      for (let i = 0; i < opts.runs; i++) {
        await ctx.settle();
        const first = i % 2 === 0 ? ([fp32, tF32] as const) : ([int8, tI8] as const);
        const second = i % 2 === 0 ? ([int8, tI8] as const) : ([fp32, tF32] as const);
        first[1].push(await timed(() => first[0].run(ctx.query)));
        second[1].push(await timed(() => second[0].run(ctx.query)));
        ctx.log(
          `pair ${i + 1}/${opts.runs}: fp32 ${(tF32.at(-1)?.ms ?? 0).toFixed(0)} ms, ` +
            `int8 ${(tI8.at(-1)?.ms ?? 0).toFixed(0)} ms`,
        );
      }
      const details: Record<string, unknown> = {
        fp32_samples_ms: tF32.map((t) => round(t.ms, 5)),
        int8_samples_ms: tI8.map((t) => round(t.ms, 5)),
        warmup_ms: warm,
        segment_fp32_ms: agree.referenceTimes.map((t) => round(t.ms, 5)),
        segment_int8_ms: agree.candidateTimes.map((t) => round(t.ms, 5)),
        agreement_per_image: agree.perImage.map((p) => ({
          image: path.basename(p.image),
          agreement: round(p.agreement, 5),
          fp32_foreground: round(p.referenceForeground, 4),
        })),
        fixture_cases: fixture.cases,
        fixture_int8_vs_reference: fixture.int8VsReference,
        mask_agreement_note:
          'random ViT-L weights: the masks are not meaningful segmentations, but agreement of the ' +
          'int8 and fp32 masks on the same inputs still measures how faithful int8 is',
      };
      if (profilePrefix) {
        int8.endProfiling();
        const prof = reportProfile(profilePrefix, profileSince, opts.runs, ctx.log);
        if (prof) details['profile_int8'] = prof;
      }
      const f = summarize(tF32.map((t) => t.ms));
      const q = summarize(tI8.map((t) => t.ms));
      const segF = summarize(agree.referenceTimes.map((t) => t.ms));
      const segQ = summarize(agree.candidateTimes.map((t) => t.ms));
      const peak = cpuPeak(opts.threads);
      ctx.log(
        `speed-up ${(f.median / q.median).toFixed(2)}× (medians), ${(f.min / q.min).toFixed(2)}× (minima); ` +
          `mask agreement ${(100 * agree.agreement).toFixed(2)}% — ${details['mask_agreement_note'] as string}`,
      );
      return {
        figures: {
          cpu_fast_precision: 'int8',
          cpu_fast_latency_ms: round(q.median),
          cpu_fast_latency_min_ms: round(q.min),
          cpu_fast_fp32_latency_ms: round(f.median),
          cpu_fast_fp32_latency_min_ms: round(f.min),
          cpu_fast_speedup: round(f.median / q.median, 3),
          cpu_fast_speedup_min: round(f.min / q.min, 3),
          cpu_fast_speedup_cpu_time: round(
            summarize(tF32.map((t) => t.cpuMs)).median / summarize(tI8.map((t) => t.cpuMs)).median,
            3,
          ),
          cpu_fast_segment_speedup: round(segF.median / segQ.median, 3),
          cpu_fast_gflops_equiv: round(ctx.flops.total / (q.median / 1000) / 1e9),
          cpu_fast_fp32_peak_multiple: round(
            ctx.flops.total / (q.median / 1000) / 1e9 / peak.fp32PeakGflops,
            3,
          ),
          cpu_fast_cpu_share: round(cpuShare(tI8, opts.threads), 3),
          cpu_fast_fp32_cpu_share: round(cpuShare(tF32, opts.threads), 3),
          cpu_fast_max_abs_err: round(randomErr.max, 4),
          cpu_fast_mean_abs_err: round(randomErr.mean, 4),
          cpu_fast_output_abs_max: round(outputAbsMax, 4),
          fixture_int8_max_abs_err: round(fixture.int8VsFp32.max, 4),
          fixture_int8_mean_abs_err: round(fixture.int8VsFp32.mean, 4),
          fixture_int8_sign_agreement: round(fixture.int8SignAgreement, 5),
          fixture_fp32_max_abs_err_vs_reference: round(fixture.fp32VsReference.max, 3),
          cpu_fast_mask_agreement: round(agree.agreement, 5),
          cpu_fast_mask_iou: agree.foregroundIou === null ? null : round(agree.foregroundIou, 4),
          cpu_fast_mask_fp32_foreground: round(agree.referenceForeground, 4),
          cpu_fast_soft_mean_abs_diff: round(agree.softMeanAbsDiff, 4),
          cpu_fast_mask_images: opts.agreementImages,
          cpu_fast_profiled: opts.profile,
        },
        details,
      };
    } finally {
      await fp32.release();
      await int8.release();
    }
  },
};
