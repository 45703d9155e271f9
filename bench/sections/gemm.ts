/**
 * Section `gemm`: one ViT-L MLP product (1568×1024 · 1024×4096) alone, built with the engine's own
 * `linear` layer in fp32 (MatMul) and int8 (DynamicQuantizeMatMul), run interleaved. It calibrates
 * the rest: how close plain onnxruntime GEMM gets to the theoretical peak on these cores (a clock
 * boost above the reported clock shows as more than 100%), and the int8 kernel's own speed-up.
 */
import type * as ort from 'onnxruntime-node';
import { GraphBuilder, type Precision } from '../../src/engine/onnx/graphBuilder';
import { InitializerStore } from '../../src/engine/onnx/initializerStore';
import { linear } from '../../src/engine/onnx/layers';
import { OnnxDataType } from '../../src/engine/onnx/onnxSchema';
import { mulberry32 } from '../../src/engine/randomWeights';
import { cpuPeak } from '../cpuPeak';
import type { Section } from '../section';
import { round, summarize } from '../stats';

const M = 1568;
const K = 1024;
const N = 4096;

function randomArray(n: number, seed: number, scale: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (2 * rand() - 1) * scale);
}

/** A one-node model y = x·Wᵀ + b in the given precision. */
function gemmModel(precision: Precision, weight: Float32Array, bias: Float32Array): Uint8Array {
  const g = new GraphBuilder(new InitializerStore(undefined), precision);
  const x = g.input('x', OnnxDataType.FLOAT, [M, K]);
  const y = linear(g, x, 'gemm', weight, bias, K, N);
  g.output('y', y, OnnxDataType.FLOAT, [M, N]);
  return g.encode({ producer: 'seggpt-bench', version: '1', props: {} });
}

export const gemmSection: Section = {
  name: 'gemm',
  summary: `one ${M}×${K}·${K}×${N} product in fp32 and int8: calibration against the peak`,
  async run(ctx) {
    const { opts } = ctx;
    const runtime = await import('onnxruntime-node');
    const weight = randomArray(N * K, 1, 1 / Math.sqrt(K));
    const bias = randomArray(N, 2, 0.1);
    const feeds = { x: new runtime.Tensor('float32', randomArray(M * K, 3, 1), [M, K]) };
    const sessions: Record<'fp32' | 'int8', ort.InferenceSession> = {
      fp32: await runtime.InferenceSession.create(gemmModel('fp32', weight, bias), {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: opts.threads,
      }),
      int8: await runtime.InferenceSession.create(gemmModel('int8', weight, bias), {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: opts.threads,
      }),
    };
    try {
      const samples: Record<'fp32' | 'int8', number[]> = { fp32: [], int8: [] };
      const reps = Math.max(20, 4 * opts.runs);
      await ctx.settle();
      for (let i = 0; i < reps + 2; i++) {
        const order = i % 2 === 0 ? (['fp32', 'int8'] as const) : (['int8', 'fp32'] as const);
        for (const p of order) {
          const t0 = performance.now();
          await sessions[p].run(feeds);
          if (i >= 2) samples[p].push(performance.now() - t0);
        }
      }
      const flops = 2 * M * K * N;
      const f = summarize(samples.fp32);
      const q = summarize(samples.int8);
      const peak = cpuPeak(opts.threads);
      const gf = (ms: number): number => flops / (ms / 1000) / 1e9;
      ctx.log(
        `fp32 ${f.median.toFixed(1)} ms (${gf(f.median).toFixed(0)} GFLOP/s, best ${gf(f.min).toFixed(0)}), ` +
          `int8 ${q.median.toFixed(1)} ms (${gf(q.median).toFixed(0)} GFLOP/s equivalent); ` +
          `peak ${peak.fp32PeakGflops} GFLOP/s`,
      );
      return {
        figures: {
          gemm_fp32_gflops: round(gf(f.median)),
          gemm_fp32_gflops_best: round(gf(f.min)),
          gemm_fp32_peak_fraction: round(gf(f.min) / peak.fp32PeakGflops, 3),
          gemm_int8_gflops_equiv: round(gf(q.median)),
          gemm_int8_speedup: round(f.median / q.median, 3),
          // Clock the best fp32 time needs at the assumed FLOP per cycle: a lower bound.
          gemm_implied_clock_ghz: round(gf(f.min) / (peak.cores * peak.fp32FlopsPerCycle), 3),
        },
        details: {
          shape: [M, K, N],
          fp32_ms: samples.fp32.map((s) => round(s)),
          int8_ms: samples.int8.map((s) => round(s)),
          peak_basis: peak.basis,
        },
      };
    } finally {
      await sessions.fp32.release();
      await sessions.int8.release();
    }
  },
};
