/** Reading what a converted model file says about itself (config and precision). */
import * as fs from 'node:fs';
import { parseConfig, type SegGptConfig } from './config';
import { PRECISIONS, type Precision } from './onnx/graphBuilder';
import type { AttentionKind } from './onnx/relPosAttention';
import { ModelProto } from './onnx/onnxSchema';

/** Thrown when a file is not a SegGPT model made by this engine. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
}

/** Config, precision and attention form recorded in a model's metadata when it was converted. */
export interface ModelInfo {
  readonly config: SegGptConfig;
  readonly precision: Precision;
  /** How the graph expresses attention (see AttentionKind); absent in older files. */
  readonly attention?: AttentionKind;
  readonly externalData: boolean;
  /**
   * A query graph that takes the prompt's rows once for all queries as well as one per query
   * (graphs converted before that take one per query only).
   */
  readonly sharedPrompt: boolean;
}

const ATTENTION_KINDS: readonly AttentionKind[] = ['bias', 'fused', 'flash', 'plain'];

/** Larger .onnx files hold inline weights we do not need to decode for metadata. */
const MAX_DECODE_BYTES = 512 * 1024 * 1024;

/** Reads and validates the metadata of a model file written by `convertModel`. */
export function readModelInfo(modelPath: string): ModelInfo {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(modelPath);
  } catch {
    throw new ModelFileError(`${modelPath}: model file not found`);
  }
  if (stat.size > MAX_DECODE_BYTES) {
    throw new ModelFileError(`${modelPath}: ${stat.size} bytes is too large for a model file`);
  }
  let decoded: { metadataProps?: { key: string; value: string }[]; graph?: unknown };
  try {
    decoded = ModelProto.toObject(ModelProto.decode(fs.readFileSync(modelPath)), {
      defaults: false,
    }) as typeof decoded;
  } catch (err) {
    throw new ModelFileError(
      `${modelPath}: not an ONNX model (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const props = new Map((decoded.metadataProps ?? []).map((p) => [p.key, p.value]));
  const rawConfig = props.get('seggpt.config');
  if (!decoded.graph || rawConfig === undefined) {
    throw new ModelFileError(
      `${modelPath}: not a SegGPT model converted by this engine (run "seggpt convert" first)`,
    );
  }
  const recorded = props.get('seggpt.precision');
  const precision = PRECISIONS.find((p) => p === recorded) ?? 'fp32';
  const attention = ATTENTION_KINDS.find((k) => k === props.get('seggpt.attention'));
  return {
    config: parseConfig(JSON.parse(rawConfig)),
    precision,
    ...(attention ? { attention } : {}),
    externalData: fs.existsSync(`${modelPath}.data`),
    sharedPrompt: props.get('seggpt.prompt_rows') === 'one-or-per-query',
  };
}
