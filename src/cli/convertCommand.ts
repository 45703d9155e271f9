/** `seggpt convert`: safetensors weights (or random ones) → the engine's ONNX model. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, geometryOf, parseConfig, VIT_LARGE } from '../engine/config';
import { convertModel } from '../engine/convert';
import { PRECISIONS } from '../engine/onnx/graphBuilder';
import { RandomWeights } from '../engine/randomWeights';
import { openSafetensors } from '../engine/safetensors';
import type { WeightSource } from '../engine/weights';
import { choice, parse, required, UsageError } from './args';

/** Help text of the convert command. */
export const CONVERT_HELP = `Usage:
  seggpt convert --weights <model.safetensors> [--config <config.json>] --out <model.onnx> [--precision fp32|fp16|int8]
  seggpt convert --random [--seed <n>] [--config <config.json>] --out <model.onnx> [--precision fp32|fp16|int8]

Builds the SegGPT ONNX graph from published weights (BAAI/seggpt-vit-large's model.safetensors)
or from random weights of the same architecture (tests, benchmarks). --config defaults to the
config.json beside the weights, or to ViT-L for --random. Large models keep their weights in
<model.onnx>.data beside the graph. fp16 stores and computes in half precision (for GPUs);
int8 quantizes the linear layers' weights (the fast CPU path).`;

/** Runs `seggpt convert`. */
export async function convertCommand(argv: string[], log: (s: string) => void): Promise<number> {
  const { values } = parse(
    argv,
    {
      weights: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      precision: { type: 'string' },
      random: { type: 'boolean' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) {
    log(CONVERT_HELP);
    return 0;
  }
  const out = required(values, 'out');
  const precision = choice(values, 'precision', PRECISIONS, 'fp32');
  const random = values.random === true;
  if (random === (values.weights !== undefined)) {
    throw new UsageError('give exactly one of --weights <file> or --random');
  }
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed))
    throw new UsageError(`--seed must be an integer, got "${String(values.seed)}"`);
  // Checked before the config, which defaults to one beside the weights: a mistyped weights path
  // should not be reported as a missing config.json.
  if (!random && !fs.existsSync(values.weights as string)) {
    throw new Error(`${values.weights as string}: weights file not found`);
  }
  const configPath =
    (values.config as string | undefined) ??
    (random ? undefined : path.join(path.dirname(values.weights as string), 'config.json'));
  let config = VIT_LARGE;
  if (configPath !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(configPath, 'utf8');
    } catch {
      throw new ConfigError(`${configPath}: config file not found (give --config)`);
    }
    try {
      config = parseConfig(JSON.parse(text));
    } catch (err) {
      throw new ConfigError(`${configPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const weights: WeightSource = random
    ? new RandomWeights(config, seed)
    : await openSafetensors(values.weights as string);
  const start = performance.now();
  try {
    const res = await convertModel({ config, weights, outPath: out, precision });
    const secs = ((performance.now() - start) / 1000).toFixed(1);
    log(
      `wrote ${res.modelPath}${res.dataPath ? ` and ${path.basename(res.dataPath)}` : ''} ` +
        `(${(res.bytes / 1e6).toFixed(1)} MB, ${precision}, ${secs} s; ` +
        `hidden ${config.hiddenSize}, ${config.numHiddenLayers} blocks, ` +
        `input ${geometryOf(config).inputW}×${geometryOf(config).inputH})`,
    );
    return 0;
  } finally {
    await weights.close();
  }
}
