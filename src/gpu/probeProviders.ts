/**
 * Does a provider really work here? Builds a tiny SegGPT model (random weights, 64×64 input)
 * once and loads and runs it on each provider separately. Meant to run in a child process: a
 * provider library that crashes takes only the probe down.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../engine/config';
import { convertModel } from '../engine/convert';
import { explainProviderFailure, NoProviderError, type ProviderName } from '../engine/providers';
import { RandomWeights } from '../engine/randomWeights';
import { SegGptSession } from '../engine/segGptSession';

/** What one provider did with the tiny model. */
export interface ProbeResult {
  readonly provider: ProviderName;
  readonly ok: boolean;
  /** Plain-words reason when it failed. */
  readonly reason?: string;
  /** The error's own first line, for "details". */
  readonly detail?: string;
  readonly ms: number;
}

// A SegGPT small enough to build and run in milliseconds, with every kind of layer the real one
// has (same shapes as the test fixture's config).
const PROBE_CONFIG = {
  hidden_size: 32,
  num_hidden_layers: 6,
  num_attention_heads: 4,
  mlp_dim: 128,
  image_size: [128, 64],
  patch_size: 16,
  pretrain_image_size: 48,
  decoder_hidden_size: 4,
  merge_index: 1,
  intermediate_hidden_state_indices: [1, 3, 4, 5],
};

/** Path of the tiny probe model in `workDir`, built on first use. */
export async function probeModel(
  workDir: string,
  precision: 'fp32' | 'fp16' = 'fp16',
): Promise<string> {
  const out = path.join(workDir, `probe-${precision}.onnx`);
  if (!fs.existsSync(out)) {
    fs.mkdirSync(workDir, { recursive: true });
    const config = parseConfig(PROBE_CONFIG);
    await convertModel({ config, weights: new RandomWeights(config, 1), outPath: out, precision });
  }
  return out;
}

/** Loads and runs the probe model on each provider on its own; never throws for a provider. */
export async function probeProviders(
  providers: readonly ProviderName[],
  workDir: string,
  precision: 'fp32' | 'fp16' = 'fp16',
  runtimePath?: string,
): Promise<ProbeResult[]> {
  const model = await probeModel(workDir, precision);
  const results: ProbeResult[] = [];
  for (const provider of providers) {
    const start = performance.now();
    try {
      // 'error' makes onnxruntime print which library failed to load (the exception only says
      // "Failed to load shared library"); the parent process reads it from stderr.
      const session = await SegGptSession.load(model, {
        providers: [provider],
        logLevel: 'error',
        runtimePath,
      });
      try {
        const { inputH, inputW } = session.geometry;
        const n = 3 * inputH * inputW;
        const zeros = new Float32Array(n);
        const out = await session.run({
          pixelValues: zeros,
          promptPixelValues: zeros,
          promptMasks: zeros,
          rows: 1,
          semantic: false,
          ensembleSize: 1,
        });
        if (out.length !== n || !out.every(Number.isFinite)) {
          throw new Error(`${provider} returned ${out.length} values, or non-finite ones`);
        }
      } finally {
        await session.release();
      }
      results.push({ provider, ok: true, ms: performance.now() - start });
    } catch (err) {
      // load() wraps the provider's own error in NoProviderError; unwrap it.
      const attempt = err instanceof NoProviderError ? err.attempts[0] : undefined;
      const detail =
        attempt?.detail ?? (err instanceof Error ? err.message : String(err)).split('\n')[0];
      results.push({
        provider,
        ok: false,
        reason: attempt?.reason ?? explainProviderFailure(provider, err),
        detail,
        ms: performance.now() - start,
      });
    }
  }
  return results;
}
