/** The SegGPT encoder as ONNX: embeddings, pre-LN ViT blocks with relative positions, merge, taps. */
import { geometryOf, type SegGptConfig, type SegGptGeometry } from '../config';
import { resizeBicubic } from '../positionTable';
import type { WeightSource } from '../weights';
import { int, ints, type GraphBuilder } from './graphBuilder';
import {
  gelu,
  layerNorm,
  linear,
  linearDeferredBias,
  reshape,
  layerNormOp,
  skipLayerNorm,
  slice,
  transpose,
} from './layers';
import {
  attentionPadding,
  keyOneHot as keyOneHotRows,
  relativeTable,
  relPosAttention,
  type AttentionKind,
} from './relPosAttention';
import { foldValueBias, wideKeyOneHot, widenedWidth, widenRows } from './flashProjections';

/**
 * Which part of the model a graph computes. `full`: both streams, as in the paper. The mask
 * stream of blocks 0..merge_index sees only the prompt masks, so it can be computed once per
 * prompt (`prompt`) and fed to many queries (`query`).
 */
export type GraphPart = 'full' | 'prompt' | 'query';

/** Graph values the encoder reads (those of the streams its part computes). */
export interface EncoderInputs {
  /** [N,3,h,w] each, compute precision (image stream: full and query). */
  readonly pixelValues?: string;
  readonly promptPixelValues?: string;
  /** [N,3,h,w] (mask stream: full and prompt). */
  readonly promptMasks?: string;
  /** [N, L, hidden]: the mask stream after block merge_index (query). */
  readonly maskStream?: string;
  /** int64 [1]: 0 instance, 1 semantic. */
  readonly embeddingType: string;
  /** int64 [1]: prompts per query group. */
  readonly ensembleSize: string;
}

/** What the encoder produces: the kept features and, for debugging, named intermediates. */
export interface EncoderOutputs {
  /**
   * LN_final(x) after each tap block, patch rows decoderFromRow(geo) onward only:
   * [N, L − decoderFromRow·gw, hidden] (full and query).
   */
  readonly taps: string[];
  /** The mask stream after block merge_index, before the merge (prompt). */
  readonly maskStream?: string;
  /**
   * Embeddings [2N, L, hidden], each block's output and each full tap (`tap{k}`), for
   * layer-by-layer checks; only complete when built with `trimLast` off.
   */
  readonly debug: Map<string, string>;
}

/**
 * The first patch row the decoder reads: the query half (rows gh/2 …) and the row above it,
 * which its 3×3 convolution reaches.
 */
export function decoderFromRow(geo: SegGptGeometry): number {
  return geo.gridH / 2 - 1;
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
  part: GraphPart = 'full',
  /**
   * Compute the last block for the rows the decoder reads only (its keys and values still
   * come from every token). Off for debug graphs, whose last block output is compared whole.
   */
  trimLast = true,
): Promise<EncoderOutputs> {
  const geo = geometryOf(c);
  const fromRow = decoderFromRow(geo);
  const decoderRows = (t: string): string =>
    slice(g, t, 1, fromRow * geo.gridW, geo.gridH * geo.gridW);
  const debug = new Map<string, string>();
  const [image, mask] = await embeddings(g, c, geo, w, inp, part);
  const embedded =
    image && mask ? g.op('Concat', [image, mask], { axis: int(0) }) : (image ?? mask);
  if (!embedded) throw new Error('the encoder needs an image or a mask stream');
  debug.set('embeddings', embedded);
  let x: Residual = { base: embedded };
  // Rel-pos selector: one-hot of each key's patch row and column, appended to the keys (the
  // widened forms; 'bias' passes the bias as a tensor instead, 'flash' adds it to k', see
  // flashProjections).
  const L = geo.gridH * geo.gridW;
  const wide = widenedWidth(geo, attentionPadding(geo, attention)) * c.numAttentionHeads;
  const keyOneHot =
    attention === 'bias'
      ? ''
      : attention === 'flash'
        ? g.weight(
            'attention.key_onehot_wide',
            wideKeyOneHot(geo, c.numAttentionHeads, wide / c.numAttentionHeads),
            [L, wide],
          )
        : g.weight('attention.key_onehot', keyOneHotRows(geo), [L, 1, geo.gridH + geo.gridW]);
  const group: GroupSize = {
    size: inp.ensembleSize,
    single: g.op('Equal', [inp.ensembleSize, g.constI64([1])]),
  };
  const taps: string[] = [];
  const final = part === 'prompt' ? undefined : await finalNorm(g, c, w);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    // Only after the merge: the query graph's mask stream input is whole.
    const trimmed =
      trimLast && part !== 'prompt' && i === c.numHiddenLayers - 1 && i > c.mergeIndex;
    x = await block(g, c, geo, w, i, x, group, keyOneHot, attention, trimmed ? fromRow : 0);
    const tap = final && c.intermediateHiddenStateIndices.includes(i);
    // The stream as one tensor where something other than the next block's norm reads it.
    if (!trimLast || tap || i === c.mergeIndex) x = { base: residualSum(g, x) };
    if (!trimLast) debug.set(`block${i}`, x.base);
    if (i === c.mergeIndex) {
      if (part === 'prompt') return { taps, maskStream: x.base, debug };
      // Image and mask streams are averaged: 2N rows become N.
      const [a, b] =
        part === 'query'
          ? [x.base, inp.maskStream as string]
          : (g.opN('Split', [x.base], 2, { axis: int(0) }) as [string, string]);
      x = { base: g.op('Mul', [g.op('Add', [a, b]), g.constF([0.5], [])]) };
    }
    if (final && tap) {
      // Debug graphs (trimLast off) also output each whole tap.
      if (!trimLast) debug.set(`tap${taps.length}`, final(x.base));
      taps.push(final(trimmed ? x.base : decoderRows(x.base)));
    }
  }
  return { taps, debug };
}

/** Embeddings of the image stream and the mask stream ([N, L, hid] each; absent if not built). */
async function embeddings(
  g: GraphBuilder,
  c: SegGptConfig,
  geo: SegGptGeometry,
  w: WeightSource,
  inp: EncoderInputs,
  part: GraphPart,
): Promise<[string | undefined, string | undefined]> {
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
  const tokens = (v: string): string => transpose(g, reshape(g, v, [0, hid, L]), [0, 2, 1]);

  const pos = await positionGrid(c, geo, w);
  const segIn = await w.readF32(`${e}segment_token_input`);
  const segPrompt = await w.readF32(`${e}segment_token_prompt`);
  const maskToken = await w.readF32(`${e}mask_token`);
  const typeTable = new Float32Array(2 * hid);
  typeTable.set(await w.readF32(`${e}type_token_instance`), 0);
  typeTable.set(await w.readF32(`${e}type_token_semantic`), hid);
  const typeToken = g.op(
    'Gather',
    [g.weight('embeddings.type_tokens', typeTable, [2, hid]), inp.embeddingType],
    { axis: int(0) },
  ); // [1, hid]
  // Everything added to a stream that does not depend on the input, folded into one table.
  const half = geo.gridH / 2;
  const addTable = (name: string, perToken: (t: number, ch: number) => number): string => {
    const add = new Float32Array(L * hid);
    for (let t = 0; t < L; t++) {
      for (let ch = 0; ch < hid; ch++)
        add[t * hid + ch] = (pos[t * hid + ch] as number) + perToken(t, ch);
    }
    return g.weight(name, add, [L, hid]);
  };
  const finish = (seq: string, table: string): string =>
    g.op('Add', [g.op('Add', [seq, table]), typeToken]);

  let image: string | undefined;
  if (part !== 'prompt') {
    // Image canvas: prompt on top, query below.
    const query = inp.pixelValues as string;
    // The query graph may get one prompt image for all queries: spread it over the batch.
    const promptImage =
      part === 'query'
        ? g.op('Expand', [inp.promptPixelValues as string, g.op('Shape', [query])])
        : (inp.promptPixelValues as string);
    const canvas = g.op('Concat', [promptImage, query], { axis: int(2) });
    image = finish(
      tokens(conv(canvas)),
      addTable('embeddings.image_add', (_, ch) => segIn[ch] as number),
    );
  }
  let mask: string | undefined;
  if (part !== 'query') {
    // Mask canvas: the bottom half becomes mask tokens, so only the top half is convolved; the
    // zero padding below is filled with the mask token by the table added next.
    const top = conv(inp.promptMasks as string);
    const padded = g.op('Pad', [top, g.constI64([0, 0, 0, 0, 0, 0, half, 0])]);
    const table = addTable(
      'embeddings.mask_add',
      (t, ch) =>
        (segPrompt[ch] as number) + (t >= half * geo.gridW ? (maskToken[ch] as number) : 0),
    );
    mask = finish(tokens(padded), table);
  }
  return [image, mask];
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
    return (x: string) => layerNormOp(g, x, s, b, c.layerNormEps);
  });
}

/**
 * The residual stream as base + delta + bias, the last two not yet added: the next block's first
 * LayerNorm adds them in its own kernel (skipLayerNorm), sparing two passes over the stream.
 */
interface Residual {
  readonly base: string;
  readonly delta?: string;
  /** Initializer added with delta (a linear layer's bias). */
  readonly bias?: string;
}

/** The residual stream as one tensor. */
function residualSum(g: GraphBuilder, x: Residual): string {
  if (!x.delta) return x.base;
  return g.op('Add', [x.base, x.bias ? g.op('Add', [x.delta, x.bias]) : x.delta]);
}

async function block(
  g: GraphBuilder,
  c: SegGptConfig,
  geo: SegGptGeometry,
  w: WeightSource,
  i: number,
  x: Residual,
  group: GroupSize,
  keyOneHot: string,
  attention: AttentionKind,
  /** Compute the output for patch rows fromRow … only (keys and values from all rows). */
  fromRow = 0,
): Promise<Residual> {
  const p = `model.encoder.layers.${i}`;
  const hid = c.hiddenSize;
  const heads = c.numAttentionHeads;
  const hd = geo.headDim;
  const { gridH: gh, gridW: gw } = geo;
  const L = gh * gw;
  const first = fromRow * gw; // first token computed
  const read = (n: string): Promise<Float32Array> => w.readF32(`${p}.${n}`);

  const normBefore = [
    `${p}.layernorm_before`,
    await read('layernorm_before.weight'),
    await read('layernorm_before.bias'),
    c.layerNormEps,
  ] as const;
  // h = LN(x); xs = x as one tensor (the previous block's MLP output added here, see Residual).
  const [h, xs] = x.delta
    ? skipLayerNorm(g, x.delta, x.base, ...normBefore, x.bias)
    : [layerNorm(g, x.base, ...normBefore), x.base];
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
  const rows = (t: string): string => (first ? slice(g, t, 1, first, L) : t);
  let q: string, k: string, v: string;
  if (attention === 'flash') {
    // q for the computed rows; k', v' widened (see flashProjections).
    const width = widenedWidth(geo, attentionPadding(geo, attention));
    const part = (n: number): Float32Array => wqkv.subarray(n * hid * hid, (n + 1) * hid * hid);
    q = reshape(
      g,
      linear(g, rows(h), `${p}.attention.q`, part(0), bqkv?.subarray(0, hid), hid, hid),
      [0, 0, heads, hd],
    );
    const wideOf = (n: number, name: string): string =>
      linear(g, h, name, widenRows(part(n), heads, hd, width, hid), undefined, hid, heads * width);
    k = g.op('Add', [wideOf(1, `${p}.attention.k_wide`), keyOneHot]);
    v = wideOf(2, `${p}.attention.v_wide`);
  } else {
    const qkv = linear(g, h, `${p}.attention.qkv`, wqkv, bqkv, hid, 3 * hid);
    const parts = g
      .opN('Split', [reshape(g, qkv, [0, 0, 3, heads, hd])], 3, { axis: int(2) })
      .map((t) => reshape(g, t, [0, 0, heads, hd])); // [B,L,n,hd]
    [q, k, v] = [rows(parts[0] as string), parts[1] as string, parts[2] as string];
  }
  const relH = g.weight(
    // Named by its rows: graphs of one conversion share weights by name, and a debug graph
    // keeps this block whole.
    `${p}.attention.rel_h_gathered${fromRow ? `_from${fromRow}` : ''}`,
    relativeTable(await read('attention.rel_pos_h'), gh, hd).subarray(fromRow * hd * gh),
    [gh - fromRow, hd, gh],
  );
  const relW = g.weight(
    `${p}.attention.rel_w_gathered`,
    relativeTable(await read('attention.rel_pos_w'), gw, hd, attentionPadding(geo, attention)),
    [gw, hd, gw + attentionPadding(geo, attention)],
  );
  const ctx = relPosAttention(
    g,
    geo,
    heads,
    { q, k, v, relH, relW, keyOneHot },
    attention,
    fromRow,
  );
  // The projection's bias is added after the ensemble (a mean of rows commutes with it), in the
  // norm's kernel with the residual.
  const projWeight = await read('attention.proj.weight');
  const valueBias = attention === 'flash' ? bqkv?.subarray(2 * hid) : undefined;
  const proj = linearDeferredBias(
    g,
    ctx,
    `${p}.attention.proj`,
    projWeight,
    valueBias
      ? foldValueBias(projWeight, await read('attention.proj.bias'), valueBias)
      : await read('attention.proj.bias'),
    hid,
    hid,
    valueBias ? `${p}.attention.proj.bias_with_v` : undefined,
  );
  const o = ensemble(g, proj.y, L, hid, group, first);
  // x1 = x + o + b_proj; h2 = LN(x1).
  const [h2, x1] = skipLayerNorm(
    g,
    o,
    first ? slice(g, xs, 1, first, L) : xs,
    `${p}.layernorm_after`,
    await read('layernorm_after.weight'),
    await read('layernorm_after.bias'),
    c.layerNormEps,
    proj.bias,
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
  const m2 = linearDeferredBias(
    g,
    m1,
    `${p}.mlp.lin2`,
    await read('mlp.lin2.weight'),
    await read('mlp.lin2.bias'),
    c.mlpDim,
    hid,
  );
  return { base: x1, delta: m2.y, bias: m2.bias };
}

/** The ensemble size G as the graph reads it: the int64 [1] input and whether it is 1. */
interface GroupSize {
  readonly size: string;
  /** bool [1]: G = 1. */
  readonly single: string;
}

/**
 * Feature ensemble: the query half (bottom patch rows) of the attention output is replaced by
 * its mean over each group of G consecutive rows. Rows are [image 0..N−1, mask 0..N−1] before
 * the merge and N divides by G, so groups never straddle the two streams (BAAI's semantics).
 * With G = 1 the mean of one row is that row: an If passes o through untouched, because any
 * reduction over the group axis costs a full pass that GPUs run slowly on these shapes
 * (onnxruntime's CUDA ReduceMean, or a MatMul with a 1×1 matrix, took a quarter of a query's GPU
 * time). For G > 1 the mean is a product with a G×G matrix of 1/G built from G at run time.
 */
function ensemble(
  g: GraphBuilder,
  o: string,
  L: number,
  hid: number,
  group: GroupSize,
  /** Index of o's first token (o holds tokens first … L − 1; first ≤ L/2). */
  first = 0,
): string {
  const averaged = (): string => {
    const top = slice(g, o, 1, 0, L / 2 - first);
    const bottom = slice(g, o, 1, L / 2 - first, L - first);
    const groupShape = g.op('Concat', [g.constI64([-1]), group.size, g.constI64([(L / 2) * hid])], {
      axis: int(0),
    });
    const grouped = g.op('Reshape', [bottom, groupShape]); // [B/G, G, L/2·hid]
    const square = g.op('Concat', [group.size, group.size], { axis: int(0) });
    const averaging = g.op('Div', [
      g.op('Expand', [g.constF([1], [1, 1]), square]),
      g.op('Cast', [group.size], { to: int(g.computeType) }),
    ]); // [G, G] of 1/G
    const spread = reshape(g, g.op('MatMul', [averaging, grouped]), [-1, L / 2, hid]);
    return g.op('Concat', [top, spread], { axis: int(1) });
  };
  return g.op('If', [group.single], {
    then_branch: g.subgraph(g.fresh('single'), () => o),
    else_branch: g.subgraph(g.fresh('grouped'), averaged),
  });
}
