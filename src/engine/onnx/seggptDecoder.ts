/** The SegGPT decoder as ONNX, computing only the query half of the canvas. */
import { geometryOf, type SegGptConfig } from '../config';
import type { WeightSource } from '../weights';
import { int, ints, type GraphBuilder } from './graphBuilder';
import { gelu, layerNorm, linear, reshape, slice, transpose } from './layers';
import { decoderFromRow } from './seggptEncoder';

/**
 * Decodes the kept features into the query prediction [N, 3, h, w] (compute precision). The
 * taps hold patch rows gridH/2 − 1 … gridH − 1 only ([N, (gridH/2 + 1)·gridW, hidden] each, see
 * decoderFromRow): the 3×3 convolution needs one pixel row above the query half, and nothing
 * above that reaches it.
 */
export async function buildDecoder(
  g: GraphBuilder,
  c: SegGptConfig,
  w: WeightSource,
  taps: string[],
): Promise<string> {
  const geo = geometryOf(c);
  const { gridH: gh, gridW: gw } = geo;
  const p = c.patchSize;
  const d = c.decoderHiddenSize;
  const inDim = taps.length * c.hiddenSize;
  const rows = gh - decoderFromRow(geo); // patch rows decoded
  const feats = g.op('Concat', taps, { axis: int(-1) });
  // The embed's output features come as (py, px, c); they are reordered to (c, py, px) at
  // conversion so that the pixel shuffle below moves runs of p contiguous values instead of
  // gathering single values d apart (the same numbers, several times faster to lay out).
  const embedded = linear(
    g,
    feats,
    'decoder.decoder_embed',
    channelsFirst(await w.readF32('decoder.decoder_embed.weight'), p, d, inDim),
    channelsFirst(await w.readF32('decoder.decoder_embed.bias'), p, d, 1),
    inDim,
    p * p * d,
  ); // [N, rows·gw, p·p·d], feature index (c·p + py)·p + px
  const shuffled = reshape(
    g,
    transpose(g, reshape(g, embedded, [-1, rows, gw, d, p, p]), [0, 3, 1, 4, 2, 5]),
    [-1, d, rows * p, gw * p],
  );
  // Keep canvas rows h−1 … 2h−1: one row of context above the query half.
  const context = slice(g, shuffled, 2, p - 1, rows * p);
  const convW = g.weight(
    'decoder.decoder_pred.conv.weight',
    await w.readF32('decoder.decoder_pred.conv.weight'),
    [d, d, 3, 3],
  );
  const convB = g.weight(
    'decoder.decoder_pred.conv.bias',
    await w.readF32('decoder.decoder_pred.conv.bias'),
    [d],
  );
  // No padding on top (the context row plays that part), zero padding elsewhere.
  const conv = g.op('Conv', [context, convW, convB], {
    kernel_shape: ints([3, 3]),
    pads: ints([0, 1, 1, 1]),
  });
  const nhwc = transpose(g, conv, [0, 2, 3, 1]);
  const normed = layerNorm(
    g,
    nhwc,
    'decoder.decoder_pred.layernorm',
    await w.readF32('decoder.decoder_pred.layernorm.weight'),
    await w.readF32('decoder.decoder_pred.layernorm.bias'),
    c.layerNormEps,
  );
  const head = linear(
    g,
    gelu(g, normed),
    'decoder.decoder_pred.head',
    await w.readF32('decoder.decoder_pred.head.weight'),
    await w.readF32('decoder.decoder_pred.head.bias'),
    d,
    3,
  );
  return transpose(g, head, [0, 3, 1, 2]);
}

/**
 * Reorders the rows of a [p·p·d, width] matrix (or a bias, width 1) from (py, px, c) order to
 * (c, py, px) order.
 */
function channelsFirst(m: Float32Array, p: number, d: number, width: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let py = 0; py < p; py++) {
    for (let px = 0; px < p; px++) {
      for (let c = 0; c < d; c++) {
        const from = ((py * p + px) * d + c) * width;
        out.set(m.subarray(from, from + width), ((c * p + py) * p + px) * width);
      }
    }
  }
  return out;
}
