/** The SegGPT decoder as ONNX, computing only the query half of the canvas. */
import { geometryOf, type SegGptConfig } from '../config';
import type { WeightSource } from '../weights';
import { int, ints, type GraphBuilder } from './graphBuilder';
import { gelu, layerNorm, linear, reshape, slice, transpose } from './layers';

/**
 * Decodes the kept features [N, L, hidden] × taps into the query prediction [N, 3, h, w]
 * (compute precision). Only patch rows from gridH/2 − 1 down are decoded: the 3×3 convolution
 * needs one pixel row above the query half, and nothing above that reaches it.
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
  const L = gh * gw;
  const inDim = taps.length * c.hiddenSize;
  const rows = gh / 2 + 1;
  const feats = slice(g, g.op('Concat', taps, { axis: int(-1) }), 1, (gh / 2 - 1) * gw, L);
  const embedded = linear(
    g,
    feats,
    'decoder.decoder_embed',
    await w.readF32('decoder.decoder_embed.weight'),
    await w.readF32('decoder.decoder_embed.bias'),
    inDim,
    p * p * d,
  ); // [N, rows·gw, p·p·d], feature index (py·p + px)·d + c
  const shuffled = reshape(
    g,
    transpose(g, reshape(g, embedded, [-1, rows, gw, p, p, d]), [0, 5, 1, 3, 2, 4]),
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
