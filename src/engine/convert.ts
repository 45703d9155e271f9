/** Converting weights into the engine's ONNX model file (plus external data for large models). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SegGptConfig } from './config';
import type { Precision } from './onnx/graphBuilder';
import type { AttentionKind } from './onnx/relPosAttention';
import { InitializerStore } from './onnx/initializerStore';
import { buildSegGptModel } from './onnx/seggptGraph';
import type { GraphPart } from './onnx/seggptEncoder';
import { checkWeightsFit, expectedTensors, type WeightSource } from './weights';

/** Models whose weights exceed this stay out of the protobuf (its hard limit is 2 GB). */
const EXTERNAL_DATA_BYTES = 256 * 1024 * 1024;

/** What to convert and where. */
export interface ConvertOptions {
  readonly config: SegGptConfig;
  readonly weights: WeightSource;
  readonly outPath: string;
  readonly precision: Precision;
  /** Force weights into (true) or out of (false) an external `<out>.data` file. */
  readonly externalData?: boolean;
  /** Add per-block debug outputs (tests only). */
  readonly debugOutputs?: boolean;
  /** Attention formulation (default: defaultAttention(precision)). */
  readonly attention?: AttentionKind;
}

/** The files a conversion wrote. */
export interface ConvertResult {
  readonly modelPath: string;
  readonly dataPath?: string;
  readonly bytes: number;
}

/** Total float32 bytes of a config's weights. */
export function weightBytes(config: SegGptConfig): number {
  let n = 0;
  for (const shape of expectedTensors(config).values()) n += shape.reduce((a, b) => a * b, 1);
  return n * 4;
}

/**
 * Builds the ONNX model from `weights` and writes it. Files are written under temporary names
 * and renamed at the end, so an interrupted conversion never leaves a model that looks complete.
 */
export async function convertModel(opts: ConvertOptions): Promise<ConvertResult> {
  checkWeightsFit(opts.weights, opts.config);
  const outPath = path.resolve(opts.outPath);
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  const external = opts.externalData ?? weightBytes(opts.config) > EXTERNAL_DATA_BYTES;
  const dataPath = external ? `${outPath}.data` : undefined;
  const tmpSuffix = `.${process.pid}.${Date.now()}.tmp`;
  const store = new InitializerStore(
    dataPath ? dataPath + tmpSuffix : undefined,
    dataPath ? path.basename(dataPath) : '',
  );
  const split = splitModelPaths(outPath);
  // The model files, the contract's full graph last so it appears only when all are there.
  const files: [GraphPart, string][] = [
    ['prompt', split.prompt],
    ['query', split.query],
    ['full', outPath],
  ];
  const temps = files.map(([, p]) => p + tmpSuffix);
  const cleanup = (): void => {
    store.close();
    for (const t of temps) fs.rmSync(t, { force: true });
    if (dataPath) fs.rmSync(dataPath + tmpSuffix, { force: true });
  };
  try {
    let bytes = 0;
    // The full graph first: it reads every weight in order, so the split graphs only reference
    // bytes already in the data file.
    for (const i of [2, 0, 1]) {
      const [part] = files[i] as [GraphPart, string];
      const proto = await buildSegGptModel(opts.config, opts.weights, store, {
        precision: opts.precision,
        debugOutputs: part === 'full' && opts.debugOutputs,
        attention: opts.attention,
        part,
      });
      writeSynced(temps[i] as string, proto);
      bytes += proto.byteLength;
    }
    store.close();
    if (dataPath && store.usedExternal) {
      bytes += fs.statSync(dataPath + tmpSuffix).size;
      fs.renameSync(dataPath + tmpSuffix, dataPath);
    } else if (dataPath) {
      fs.rmSync(dataPath, { force: true });
    }
    files.forEach(([, p], i) => fs.renameSync(temps[i] as string, p));
    return { modelPath: outPath, dataPath: store.usedExternal ? dataPath : undefined, bytes };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** The split graphs written beside a model: the prompt encoder and the query graph. */
export function splitModelPaths(modelPath: string): { prompt: string; query: string } {
  const base = modelPath.replace(/\.onnx$/i, '');
  return { prompt: `${base}.prompt.onnx`, query: `${base}.query.onnx` };
}

function writeSynced(file: string, data: Uint8Array): void {
  fs.writeFileSync(file, data);
  const fd = fs.openSync(file, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}
