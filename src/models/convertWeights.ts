/** Converting a safetensors file into the engine's ONNX model, with progress and cancellation. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, parseConfig, VIT_LARGE, type SegGptConfig } from '../engine/config';
import { convertModel, type ConvertResult } from '../engine/convert';
import type { Precision } from '../engine/onnx/graphBuilder';
import { openSafetensors } from '../engine/safetensors';
import type { TensorInfo, WeightSource } from '../engine/weights';

/** One conversion. */
export interface ConvertRequest {
  readonly weightsPath: string;
  /** config.json; absent: the one beside the weights, else ViT-L's. */
  readonly configPath?: string;
  readonly outPath: string;
  readonly precision: Precision;
}

/** Thrown when a conversion is cancelled; the partial output is already removed. */
export class ConversionCancelled extends Error {
  override readonly name = 'ConversionCancelled';
  constructor() {
    super('conversion cancelled');
  }
}

/** The config to convert with: the given file, the one beside the weights, or ViT-L. */
export function loadConfigFor(
  req: Pick<ConvertRequest, 'weightsPath' | 'configPath'>,
): SegGptConfig {
  const file = req.configPath ?? path.join(path.dirname(req.weightsPath), 'config.json');
  if (!req.configPath && !fs.existsSync(file)) return VIT_LARGE;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`${file}: config file not found`);
  }
  try {
    return parseConfig(JSON.parse(text));
  } catch (err) {
    throw new ConfigError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Converts the weights; `onProgress(fraction)` follows the tensors read. Aborting makes the
 * next tensor read fail, so the engine removes its temporary files before this rejects.
 */
export async function convertWeightsFile(
  req: ConvertRequest,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<ConvertResult> {
  const config = loadConfigFor(req);
  const file = await openSafetensors(req.weightsPath);
  const weights = new WatchedWeights(file, onProgress, signal);
  try {
    return await convertModel({ config, weights, outPath: req.outPath, precision: req.precision });
  } catch (err) {
    if (signal?.aborted) throw new ConversionCancelled();
    throw err;
  } finally {
    await file.close();
  }
}

/** A weight source that reports each read and stops when aborted. */
class WatchedWeights implements WeightSource {
  private reads = 0;
  constructor(
    private readonly inner: WeightSource,
    private readonly onProgress: ((fraction: number) => void) | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  tensors(): readonly TensorInfo[] {
    return this.inner.tensors();
  }

  async readF32(name: string): Promise<Float32Array> {
    if (this.signal?.aborted) throw new ConversionCancelled();
    const data = await this.inner.readF32(name);
    this.reads++;
    this.onProgress?.(Math.min(1, this.reads / Math.max(1, this.inner.tensors().length)));
    return data;
  }

  async close(): Promise<void> {
    // the caller closes the file
  }
}
