/**
 * Floating-point work of one SegGPT forward pass, from the config (docs/seggpt-model.md §6).
 *
 * Counted as 2 × multiply-accumulates of the matrix products only (LayerNorm, GELU, softmax and
 * the adds are left out). The terms follow what the engine computes: the mask canvas's bottom half
 * is mask tokens, so only its top half is patch-embedded; the last block computes only the tokens
 * of patch rows gridH/2 − 1 … gridH − 1 (its keys and values still cover all tokens); the decoder
 * only embeds those rows and convolves the query half.
 */
import { geometryOf, type SegGptConfig } from '../src/engine/config';
import { decoderFromRow } from '../src/engine/onnx/seggptEncoder';

/** The doc's nominal figure for ViT-L at 896×448 (full-canvas decoder), for cross-version comparisons. */
export const NOMINAL_VIT_L_FLOPS = 1.59e12;

/** FLOPs of one forward pass, by term. */
export interface FlopBreakdown {
  readonly patchEmbed: number;
  /** qkv and proj linears, all blocks. */
  readonly attnLinears: number;
  /** lin1 and lin2, all blocks. */
  readonly mlp: number;
  /** q·kᵀ, all heads, all blocks. */
  readonly attnScores: number;
  /** probs·v, all heads, all blocks. */
  readonly attnValues: number;
  /** The decomposed relative-position products q·Rh and q·Rw. */
  readonly relPos: number;
  readonly decoderEmbed: number;
  readonly decoderConv: number;
  readonly decoderHead: number;
  /** Sum of the terms above. */
  readonly total: number;
  /** Encoder part of `total` (everything before the decoder). */
  readonly encoder: number;
  /** Decoder part of `total`. */
  readonly decoder: number;
  /**
   * Extra work of the widened attention forms, fp32's and fp16's ([q, rel_h, rel_w]·[k, onehot(kh),
   * onehot(kw)]ᵀ): the bias enters as a dot product of width gridH + gridW per score (int8's
   * `bias` form adds a tensor instead). Not part of `total`.
   */
  readonly widenedAttentionExtra: number;
}

/**
 * The doc's arithmetic (§6) for any config: both canvases fully patch-embedded and the decoder
 * over the whole canvas. For ViT-L this is the nominal 1.59e12; used as the comparable
 * denominator when a bench runs on another config.
 */
export function docNominalFlops(c: SegGptConfig): number {
  const geo = geometryOf(c);
  const L = geo.gridH * geo.gridW;
  const f = forwardFlops(c, 1);
  const d = c.decoderHiddenSize;
  const canvasPixels = c.imageSize[0] * c.imageSize[1];
  const fullPatch = 2 * 2 * L * c.numChannels * c.patchSize * c.patchSize * c.hiddenSize;
  const fullDecoder =
    2 *
    (L * c.intermediateHiddenStateIndices.length * c.hiddenSize * c.patchSize * c.patchSize * d +
      canvasPixels * d * d * 9 +
      canvasPixels * d * c.numChannels);
  return f.encoder - f.patchEmbed + fullPatch + fullDecoder;
}

/** True when `c` is the published ViT-L shape (the one the nominal figure is for). */
export function isVitLargeShape(c: SegGptConfig, vitL: SegGptConfig): boolean {
  return (Object.keys(vitL) as (keyof SegGptConfig)[]).every(
    (k) => JSON.stringify(c[k]) === JSON.stringify(vitL[k]),
  );
}

/**
 * FLOPs for `queries` independent queries (one prompt each: 2·queries rows in blocks
 * 0..merge_index, `queries` rows after the merge).
 */
export function forwardFlops(c: SegGptConfig, queries = 1): FlopBreakdown {
  const geo = geometryOf(c);
  const { gridH: gh, gridW: gw } = geo;
  const L = gh * gw;
  const hid = c.hiddenSize;
  const N = queries;
  const before = c.mergeIndex + 1; // blocks on 2N rows
  const after = c.numHiddenLayers - before; // blocks on N rows
  const blockRows = before * 2 * N + after * N;

  // Image canvas in full, mask canvas top half only.
  const patchMacs = 1.5 * N * L * c.numChannels * c.patchSize * c.patchSize * hid;
  const perRow = rowMacs(c, L);
  // The last block (after the merge) computes the decoder's rows only; qkv stays whole.
  const decodedTokens = (gh - decoderFromRow(geo)) * gw;
  const kept = after > 0 ? decodedTokens : L;
  const last = rowMacs(c, kept);
  const trim = (k: keyof typeof perRow): number => N * (perRow[k] - last[k]);
  const d = c.decoderHiddenSize;
  const inDim = c.intermediateHiddenStateIndices.length * hid;
  const queryPixels = geo.inputH * geo.inputW;
  const macs = {
    patchEmbed: patchMacs,
    attnLinears: blockRows * perRow.attnLinears - trim('attnLinears'),
    mlp: blockRows * perRow.mlp - trim('mlp'),
    attnScores: blockRows * perRow.attnScores - trim('attnScores'),
    attnValues: blockRows * perRow.attnValues - trim('attnValues'),
    relPos: blockRows * perRow.relPos - trim('relPos'),
    decoderEmbed: N * decodedTokens * inDim * c.patchSize * c.patchSize * d,
    decoderConv: N * queryPixels * d * d * 9,
    decoderHead: N * queryPixels * d * c.numChannels,
  };
  const f = Object.fromEntries(Object.entries(macs).map(([k, v]) => [k, 2 * v])) as {
    [K in keyof typeof macs]: number;
  };
  const encoder = f.patchEmbed + f.attnLinears + f.mlp + f.attnScores + f.attnValues + f.relPos;
  const decoder = f.decoderEmbed + f.decoderConv + f.decoderHead;
  return {
    ...f,
    encoder,
    decoder,
    total: encoder + decoder,
    widenedAttentionExtra: 2 * (blockRows * perRow.widened - trim('widened')),
  };
}

/** Multiply-accumulates of one block on one row, computing `tokens` of its L query tokens. */
function rowMacs(c: SegGptConfig, tokens: number) {
  const { gridH: gh, gridW: gw } = geometryOf(c);
  const L = gh * gw;
  const hid = c.hiddenSize;
  return {
    attnLinears: L * hid * 3 * hid + tokens * hid * hid,
    mlp: 2 * tokens * hid * c.mlpDim,
    attnScores: tokens * L * hid,
    attnValues: tokens * L * hid,
    relPos: tokens * (gh + gw) * hid,
    widened: tokens * L * c.numAttentionHeads * (gh + gw),
  };
}

/**
 * FLOPs of the work that depends only on the prompt, per query: the mask stream (prompt mask on
 * top, mask tokens below) through blocks 0..merge_index, and the patch embedding of the prompt
 * mask. The engine's split graphs compute it once per prompt; a cached query does `total` − this.
 */
export function promptOnlyFlops(c: SegGptConfig): number {
  const f = forwardFlops(c, 1);
  const geo = geometryOf(c);
  const r = rowMacs(c, geo.gridH * geo.gridW);
  const perRowBlock = 2 * (r.attnLinears + r.mlp + r.attnScores + r.attnValues + r.relPos);
  // patchEmbed counts 1.5 canvases: the image canvas and the mask canvas's top half.
  return (c.mergeIndex + 1) * perRowBlock + f.patchEmbed / 3;
}
