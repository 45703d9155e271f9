/** The SegGPT encoder as ONNX: embeddings, pre-LN ViT blocks with relative positions, merge, taps. */
import { geometryOf, type SegGptConfig, type SegGptGeometry } from '../config';
import { resizeBicubic } from '../positionTable';
import type { WeightSource } from '../weights';
import { float, int, ints, type GraphBuilder } from './graphBuilder';
import { gelu, layerNorm, linear, reshape, slice, transpose } from './layers';

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
): Promise<EncoderOutputs> {
  const geo = geometryOf(c);
  const debug = new Map<string, string>();
  let x = await embeddings(g, c, geo, w, inp);
  debug.set('embeddings', x);
  // Rel-pos selector: one-hot of each key's patch row and column, appended to the keys.
  const onehot = keyOneHot(geo);
  const taps: string[] = [];
  const final = await finalNorm(g, c, w);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    x = await block(g, c, geo, w, i, x, inp.ensembleSize, onehot);
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

/** [L, gh + gw] one-hot rows: key token (kh, kw) has a 1 at kh and at gh + kw. */
function keyOneHot(geo: SegGptGeometry): Float32Array {
  const width = geo.gridH + geo.gridW;
  const out = new Float32Array(geo.gridH * geo.gridW * width);
  for (let kh = 0; kh < geo.gridH; kh++) {
    for (let kw = 0; kw < geo.gridW; kw++) {
      const t = kh * geo.gridW + kw;
      out[t * width + kh] = 1;
      out[t * width + geo.gridH + kw] = 1;
    }
  }
  return out;
}

/**
 * Gathered relative-position table, laid out [q, c, k] for a batched MatMul:
 * out[q][c][k] = table[q − k + size − 1][c].
 */
function relativeTable(table: Float32Array, size: number, dim: number): Float32Array {
  const out = new Float32Array(size * dim * size);
  for (let q = 0; q < size; q++) {
    for (let k = 0; k < size; k++) {
      const row = (q - k + size - 1) * dim;
      for (let ch = 0; ch < dim; ch++) out[(q * dim + ch) * size + k] = table[row + ch] as number;
    }
  }
  return out;
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
  onehot: Float32Array,
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
  const split = transpose(g, reshape(g, qkv, [0, 0, 3, heads, hd]), [2, 0, 3, 1, 4]);
  const [q, k, v] = g
    .opN('Split', [split], 3, { axis: int(0) })
    .map((t) => g.op('Squeeze', [t, g.constI64([0])])) as [string, string, string]; // [B,n,L,hd]

  // rel_h[b,n,(qh,qw),kh] = Σc q·Rh[qh,kh,c], as a MatMul batched over qh.
  const rh = g.weight(
    `${p}.attention.rel_h_gathered`,
    relativeTable(await read('attention.rel_pos_h'), gh, hd),
    [gh, hd, gh],
  );
  const qByRow = reshape(g, transpose(g, reshape(g, q, [-1, gh, gw, hd]), [1, 0, 2, 3]), [
    gh,
    -1,
    hd,
  ]);
  const relH = reshape(
    g,
    transpose(g, reshape(g, g.op('MatMul', [qByRow, rh]), [gh, -1, gw, gh]), [1, 0, 2, 3]),
    [-1, heads, L, gh],
  );
  // rel_w[b,n,(qh,qw),kw] = Σc q·Rw[qw,kw,c], batched over qw.
  const rw = g.weight(
    `${p}.attention.rel_w_gathered`,
    relativeTable(await read('attention.rel_pos_w'), gw, hd),
    [gw, hd, gw],
  );
  const qByCol = transpose(g, reshape(g, q, [-1, gw, hd]), [1, 0, 2]);
  const relW = reshape(g, transpose(g, g.op('MatMul', [qByCol, rw]), [1, 0, 2]), [
    -1,
    heads,
    L,
    gw,
  ]);

  // Widened attention: [q, rel_h, rel_w]·[k_scaled, onehot(kh), onehot(kw)] = scores + bias.
  const qx = g.op('Concat', [q, relH, relW], { axis: int(-1) });
  const oh = g.weight(`${p}.attention.key_onehot`, onehot, [L, gh + gw]);
  const ohShape = g.op('Concat', [slice(g, g.op('Shape', [k]), 0, 0, 3), g.constI64([gh + gw])], {
    axis: int(0),
  });
  const kx = g.op('Concat', [k, g.op('Expand', [oh, ohShape])], { axis: int(-1) });
  const scores = g.op('MatMul', [qx, transpose(g, kx, [0, 1, 3, 2])]);
  const probs = g.op('Softmax', [scores], { axis: int(-1) });
  const ctx = reshape(g, transpose(g, g.op('MatMul', [probs, v]), [0, 2, 1, 3]), [0, 0, hid]);
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
