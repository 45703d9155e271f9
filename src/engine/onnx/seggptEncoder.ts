/** The SegGPT encoder as ONNX: embeddings, pre-LN ViT blocks with relative positions, merge, taps. */
import { geometryOf, type SegGptConfig, type SegGptGeometry } from '../config';
import { resizeBicubic } from '../positionTable';
import type { WeightSource } from '../weights';
import { float, int, ints, type GraphBuilder } from './graphBuilder';
import { gelu, layerNorm, linear, reshape, slice, transpose } from './layers';
import {
  keyOneHot as keyOneHotRows,
  relativeTable,
  relPosAttention,
  type AttentionKind,
} from './relPosAttention';

/** Graph values the encoder reads. */
export interface EncoderInputs {
  /** [N,3,h,w] each, compute precision. */
  readonly pixelValues: string;
  readonly promptPixelValues: string;
  readonly promptMasks: string;
  /** int64 [1]: 0 instance, 1 semantic. */
  readonly embeddingType: string;
  /** int64 [1]: prompts per query group. */
  readonly ensembleSize: string;
}

/** What the encoder produces: the kept features and, for debugging, named intermediates. */
export interface EncoderOutputs {
  /** LN_final(x) after each tap block, [N, L, hidden]. */
  readonly taps: string[];
  /** Embeddings [2N, L, hidden] and each block's output, for layer-by-layer checks. */
  readonly debug: Map<string, string>;
}

/**
 * Builds the encoder. Weights are read one tensor at a time, in graph order, so a large
 * safetensors file streams through without being held whole.
 */
export async function buildEncoder(
  g: GraphBuilder,
  c: SegGptConfig,
  w: WeightSource,
  inp: EncoderInputs,
  attention: AttentionKind,
): Promise<EncoderOutputs> {
  const geo = geometryOf(c);
  const debug = new Map<string, string>();
  let x = await embeddings(g, c, geo, w, inp);
  debug.set('embeddings', x);
  // Rel-pos selector: one-hot of each key's patch row and column, appended to the keys.
  const keyOneHot = g.weight('attention.key_onehot', keyOneHotRows(geo), [
    geo.gridH * geo.gridW,
    1,
    geo.gridH + geo.gridW,
  ]);
  const taps: string[] = [];
  const final = await finalNorm(g, c, w);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    x = await block(g, c, geo, w, i, x, inp.ensembleSize, keyOneHot, attention);
    debug.set(`block${i}`, x);
    if (i === c.mergeIndex) {
      // Image and mask streams are averaged: 2N rows become N.
      const [a, b] = g.opN('Split', [x], 2, { axis: int(0) }) as [string, string];
      x = g.op('Mul', [g.op('Add', [a, b]), g.constF([0.5], [])]);
    }
    if (c.intermediateHiddenStateIndices.includes(i)) taps.push(final(x));
  }
  return { taps, debug };
}

async function embeddings(
  g: GraphBuilder,
  c: SegGptConfig,
  geo: SegGptGeometry,
  w: WeightSource,
  inp: EncoderInputs,
): Promise<string> {
  const hid = c.hiddenSize;
  const p = c.patchSize;
  const L = geo.gridH * geo.gridW;
  const e = 'model.embeddings.';
  const convW = g.weight(
    `${e}patch_embeddings.projection.weight`,
    await w.readF32(`${e}patch_embeddings.projection.weight`),
    [hid, c.numChannels, p, p],
  );
  const convB = g.weight(
    `${e}patch_embeddings.projection.bias`,
    await w.readF32(`${e}patch_embeddings.projection.bias`),
    [hid],
  );
  const conv = (v: string): string =>
    g.op('Conv', [v, convW, convB], { kernel_shape: ints([p, p]), strides: ints([p, p]) });
  // Image canvas: prompt on top, query below.
  const img = conv(g.op('Concat', [inp.promptPixelValues, inp.pixelValues], { axis: int(2) }));
  // Mask canvas: the bottom half becomes mask tokens, so only the top half is convolved; the
  // zero padding below is then filled with the mask token by the constant added next.
  const half = geo.gridH / 2;
  const maskTop = conv(inp.promptMasks);
  const mask = g.op('Pad', [maskTop, g.constI64([0, 0, 0, 0, 0, 0, half, 0])]);
  const both = g.op('Concat', [img, mask], { axis: int(0) }); // [2N, hid, gh, gw]
  const seq = transpose(g, reshape(g, both, [0, hid, L]), [0, 2, 1]); // [2N, L, hid]

  const pos = await positionGrid(c, geo, w);
  const segIn = await w.readF32(`${e}segment_token_input`);
  const segPrompt = await w.readF32(`${e}segment_token_prompt`);
  const maskToken = await w.readF32(`${e}mask_token`);
  // Everything added to each stream that does not depend on the input, folded into one table.
  const add = new Float32Array(2 * L * hid);
  for (let t = 0; t < L; t++) {
    const masked = t >= half * geo.gridW;
    for (let ch = 0; ch < hid; ch++) {
      const pv = pos[t * hid + ch] as number;
      add[t * hid + ch] = pv + (segIn[ch] as number);
      add[(L + t) * hid + ch] =
        pv + (segPrompt[ch] as number) + (masked ? (maskToken[ch] as number) : 0);
    }
  }
  const table = g.weight('embeddings.stream_add', add, [2, 1, L, hid]);
  const typeTable = new Float32Array(2 * hid);
  typeTable.set(await w.readF32(`${e}type_token_instance`), 0);
  typeTable.set(await w.readF32(`${e}type_token_semantic`), hid);
  const typeToken = g.op(
    'Gather',
    [g.weight('embeddings.type_tokens', typeTable, [2, hid]), inp.embeddingType],
    {
      axis: int(0),
    },
  ); // [1, hid]
  const streams = g.op('Add', [reshape(g, seq, [2, -1, L, hid]), table]);
  return reshape(g, g.op('Add', [streams, typeToken]), [-1, L, hid]);
}

/** The position table without its CLS row, resized bicubically to the patch grid: [L, hid]. */
async function positionGrid(
  c: SegGptConfig,
  geo: SegGptGeometry,
  w: WeightSource,
): Promise<Float32Array> {
  const table = await w.readF32('model.embeddings.position_embeddings');
  const hid = c.hiddenSize;
  const grid = table.subarray(hid); // drop the CLS slot
  return resizeBicubic(grid, geo.posGrid, geo.posGrid, hid, geo.gridH, geo.gridW);
}

function finalNorm(
  g: GraphBuilder,
  c: SegGptConfig,
  w: WeightSource,
): Promise<(x: string) => string> {
  return Promise.all([
    w.readF32('model.encoder.layernorm.weight'),
    w.readF32('model.encoder.layernorm.bias'),
  ]).then(([gamma, beta]) => {
    const s = g.weight('model.encoder.layernorm.weight', gamma, [gamma.length]);
    const b = g.weight('model.encoder.layernorm.bias', beta, [beta.length]);
    return (x: string) =>
      g.op('LayerNormalization', [x, s, b], {
        axis: int(-1),
        epsilon: float(c.layerNormEps),
        stash_type: int(1),
      });
  });
}

async function block(
  g: GraphBuilder,
  c: SegGptConfig,
  geo: SegGptGeometry,
  w: WeightSource,
  i: number,
  x: string,
  ensembleSize: string,
  keyOneHot: string,
  attention: AttentionKind,
): Promise<string> {
  const p = `model.encoder.layers.${i}`;
  const hid = c.hiddenSize;
  const heads = c.numAttentionHeads;
  const hd = geo.headDim;
  const { gridH: gh, gridW: gw } = geo;
  const L = gh * gw;
  const read = (n: string): Promise<Float32Array> => w.readF32(`${p}.${n}`);

  const h = layerNorm(
    g,
    x,
    `${p}.layernorm_before`,
    await read('layernorm_before.weight'),
    await read('layernorm_before.bias'),
    c.layerNormEps,
  );
  // The 1/√hd score scale is folded into the key projection: q must stay unscaled because the
  // relative-position bias is computed from it.
  const scale = 1 / Math.sqrt(hd);
  const wqkv = await read('attention.qkv.weight');
  for (let r = hid; r < 2 * hid; r++) {
    for (let k = 0; k < hid; k++) wqkv[r * hid + k] = (wqkv[r * hid + k] as number) * scale;
  }
  let bqkv: Float32Array | undefined;
  if (c.qkvBias) {
    bqkv = await read('attention.qkv.bias');
    for (let r = hid; r < 2 * hid; r++) bqkv[r] = (bqkv[r] as number) * scale;
  }
  const qkv = linear(g, h, `${p}.attention.qkv`, wqkv, bqkv, hid, 3 * hid);
  const [q, k, v] = g
    .opN('Split', [reshape(g, qkv, [0, 0, 3, heads, hd])], 3, { axis: int(2) })
    .map((t) => reshape(g, t, [0, 0, heads, hd])) as [string, string, string]; // [B,L,n,hd]
  const relH = g.weight(
    `${p}.attention.rel_h_gathered`,
    relativeTable(await read('attention.rel_pos_h'), gh, hd),
    [gh, hd, gh],
  );
  const relW = g.weight(
    `${p}.attention.rel_w_gathered`,
    relativeTable(await read('attention.rel_pos_w'), gw, hd),
    [gw, hd, gw],
  );
  const ctx = relPosAttention(g, geo, heads, { q, k, v, relH, relW, keyOneHot }, attention);
  const o = ensemble(
    g,
    linear(
      g,
      ctx,
      `${p}.attention.proj`,
      await read('attention.proj.weight'),
      await read('attention.proj.bias'),
      hid,
      hid,
    ),
    L,
    hid,
    ensembleSize,
  );

  const x1 = g.op('Add', [x, o]);
  const h2 = layerNorm(
    g,
    x1,
    `${p}.layernorm_after`,
    await read('layernorm_after.weight'),
    await read('layernorm_after.bias'),
    c.layerNormEps,
  );
  const m1 = gelu(
    g,
    linear(
      g,
      h2,
      `${p}.mlp.lin1`,
      await read('mlp.lin1.weight'),
      await read('mlp.lin1.bias'),
      hid,
      c.mlpDim,
    ),
  );
  const m2 = linear(
    g,
    m1,
    `${p}.mlp.lin2`,
    await read('mlp.lin2.weight'),
    await read('mlp.lin2.bias'),
    c.mlpDim,
    hid,
  );
  return g.op('Add', [x1, m2]);
}

/**
 * Feature ensemble: the query half (bottom patch rows) of the attention output is replaced by
 * its mean over each group of G consecutive rows. Rows are [image 0..N−1, mask 0..N−1] before
 * the merge and N divides by G, so groups never straddle the two streams (BAAI's semantics).
 * With G = 1 the mean of one row is that row, exactly.
 */
function ensemble(g: GraphBuilder, o: string, L: number, hid: number, groupSize: string): string {
  const top = slice(g, o, 1, 0, L / 2);
  const bottom = slice(g, o, 1, L / 2, L);
  const groupShape = g.op('Concat', [g.constI64([-1]), groupSize, g.constI64([L / 2, hid])], {
    axis: int(0),
  });
  const grouped = g.op('Reshape', [bottom, groupShape]); // [B/G, G, L/2, hid]
  const mean = g.op('ReduceMean', [grouped], { axes: ints([1]), keepdims: int(1) });
  const spread = reshape(g, g.op('Expand', [mean, g.op('Shape', [grouped])]), [-1, L / 2, hid]);
  return g.op('Concat', [top, spread], { axis: int(1) });
}
