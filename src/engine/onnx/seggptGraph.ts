/** Assembles the whole SegGPT ONNX model: inputs and outputs of the engine contract, encoder, decoder. */
import { geometryOf, toHfConfig, type SegGptConfig } from '../config';
import type { WeightSource } from '../weights';
import { GraphBuilder, type Precision } from './graphBuilder';
import type { InitializerStore } from './initializerStore';
import { OnnxDataType } from './onnxSchema';
import { buildDecoder } from './seggptDecoder';
import { buildEncoder, type GraphPart } from './seggptEncoder';
import type { AttentionKind } from './relPosAttention';

/** Names of the graph's inputs and outputs (docs/seggpt-model.md §8). */
export const GRAPH_IO = {
  pixelValues: 'pixel_values',
  promptPixelValues: 'prompt_pixel_values',
  promptMasks: 'prompt_masks',
  embeddingType: 'embedding_type',
  ensembleSize: 'ensemble_size',
  predMasks: 'pred_masks',
  /** Split models only: the mask stream after block merge_index, [N, L, hidden] float32. */
  maskStream: 'mask_stream',
} as const;

/** Options for building the graph. */
export interface GraphOptions {
  readonly precision: Precision;
  /** Also output each block's result (`debug_block{i}`, `debug_embeddings`, `debug_tap{k}`). */
  readonly debugOutputs?: boolean;
  /** How attention is expressed (default: see defaultAttention). */
  readonly attention?: AttentionKind;
  /** Which part of the model (default 'full', the engine contract's graph). */
  readonly part?: GraphPart;
}

/**
 * The attention formulation a precision gets unless asked otherwise. float16 models are for
 * GPUs, whose flash-attention kernels need equal q/k/v head sizes ('flash': 1.5× the queries per
 * second of 'fused' with the CUDA provider on an H200). On CPUs the bias as a tensor does the
 * least arithmetic ('bias'; on ViT-L, with the keys in column order and k, v handed over in the
 * operator's own layout: float32 queries 5.8% faster than 'fused' for ≈ 120 MiB more peak
 * memory, in four chunks of query rows; int8, the fast path, in one chunk, ≈ 600 MiB more).
 */
export function defaultAttention(precision: Precision): AttentionKind {
  return precision === 'fp16' ? 'flash' : 'bias';
}

/** Builds the SegGPT graph and returns the encoded ModelProto (weights streamed to `store`). */
export async function buildSegGptModel(
  c: SegGptConfig,
  weights: WeightSource,
  store: InitializerStore,
  opts: GraphOptions,
): Promise<Uint8Array> {
  const geo = geometryOf(c);
  const g = new GraphBuilder(store, opts.precision);
  const imageDims = ['batch', c.numChannels, geo.inputH, geo.inputW];
  const f32 = OnnxDataType.FLOAT;
  const part = opts.part ?? 'full';
  const tokens = geo.gridH * geo.gridW;
  const streamDims = ['batch', tokens, c.hiddenSize];
  // The query graph takes the prompt's rows (image and encoded mask stream) either one per query
  // or once for all queries (broadcast: a prompt applied to a folder is fed and encoded once).
  const promptRows = part === 'query' ? 'prompt_rows' : 'batch';
  const image = (name: string, rows = 'batch'): string =>
    g.toCompute(g.input(name, f32, [rows, ...imageDims.slice(1)]));
  const inputs = {
    ...(part !== 'prompt'
      ? {
          pixelValues: image(GRAPH_IO.pixelValues),
          promptPixelValues: image(GRAPH_IO.promptPixelValues, promptRows),
        }
      : {}),
    ...(part !== 'query' ? { promptMasks: image(GRAPH_IO.promptMasks) } : {}),
    ...(part === 'query'
      ? {
          maskStream: g.toCompute(
            g.input(GRAPH_IO.maskStream, f32, [promptRows, ...streamDims.slice(1)]),
          ),
        }
      : {}),
    embeddingType: g.input(GRAPH_IO.embeddingType, OnnxDataType.INT64, [1]),
    ensembleSize: g.input(GRAPH_IO.ensembleSize, OnnxDataType.INT64, [1]),
  };
  const attention = opts.attention ?? defaultAttention(opts.precision);
  const encoded = await buildEncoder(g, c, weights, inputs, attention, part, !opts.debugOutputs);
  if (encoded.maskStream) {
    g.output(GRAPH_IO.maskStream, g.toFloat32(encoded.maskStream), f32, streamDims);
  } else {
    const pred = await buildDecoder(g, c, weights, encoded.taps);
    g.output(GRAPH_IO.predMasks, g.toFloat32(pred), f32, imageDims);
  }
  if (opts.debugOutputs) {
    for (const [name, value] of encoded.debug) {
      g.output(`debug_${name}`, g.toFloat32(value), f32, ['rows', tokens, c.hiddenSize]);
    }
  }
  return g.encode({
    producer: 'seggpt-curator',
    version: '1',
    props: {
      'seggpt.config': JSON.stringify(toHfConfig(c)),
      'seggpt.precision': opts.precision,
      'seggpt.attention': attention,
      'seggpt.part': part,
      ...(part === 'query' ? { 'seggpt.prompt_rows': 'one-or-per-query' } : {}),
    },
  });
}
