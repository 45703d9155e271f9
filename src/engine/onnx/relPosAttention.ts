/**
 * Attention with SegGPT's decomposed relative-position bias, as ONNX.
 *
 * The bias is bias[(qh,qw),(kh,kw)] = rel_h[qh,qw,kh] + rel_w[qh,qw,kw], with rel_h and rel_w
 * small products of q with the tables. Two ways to hand it to onnxruntime's MultiHeadAttention:
 * as a dot product in disguise (appending rel_h and rel_w, gh + gw values, to each query and
 * one-hot(kh), one-hot(kw) to each key makes attention over the widened q/k compute scores + bias
 * exactly, with no L×L tensor), or as its `attention_bias` input, an L×L tensor per head built by
 * one broadcast Add (with the keys reordered by columns for it). Keys arrive already scaled by
 * 1/√d (folded into their weights).
 */
import type { SegGptGeometry } from '../config';
import { float, int, type GraphBuilder, type Precision } from './graphBuilder';
import { reshape, slice, transpose } from './layers';

/**
 * How attention is expressed: onnxruntime's MultiHeadAttention with the bias as a tensor (`bias`:
 * fewest operations, fastest on CPUs, one extra L×L buffer per head); with the widened q/k
 * (`fused`: no L×L tensor of our own); the same widened to a multiple of 8 with v zero-padded to
 * that width (`flash`: equal head sizes let GPU providers pick their flash-attention kernels);
 * or MatMul/Softmax/MatMul over the widened q/k (`plain`).
 */
export type AttentionKind = 'fused' | 'flash' | 'plain' | 'bias';

/** Zero columns appended to the widened q/k (and v) for an attention kind. */
export function attentionPadding(geo: SegGptGeometry, kind: AttentionKind): number {
  if (kind !== 'flash') return 0;
  return (8 - ((geo.headDim + geo.gridH + geo.gridW) % 8)) % 8;
}

/**
 * Per-block inputs: q as [B, Lq, heads, hd] (the queries of patch rows fromRow … gh − 1), k
 * (scaled) and v as [B, L, heads, hd] — for `flash`, k' and v' already widened to
 * [B, L, heads·W] (see flashProjections) — and the block's gathered tables.
 */
export interface AttentionInputs {
  readonly q: string;
  readonly k: string;
  readonly v: string;
  /** Gathered rel_pos_h as [gh − fromRow, hd, gh] (see relativeTable): query rows fromRow …. */
  readonly relH: string;
  /** Gathered rel_pos_w as [gw, hd, gw + pad] (see attentionPadding). */
  readonly relW: string;
  /** Shared [L, 1, gh + gw] one-hot key rows (`fused` and `plain` only). */
  readonly keyOneHot: string;
}

/** [L, 1, gh + gw] one-hot rows: key token (kh, kw) has a 1 at kh and at gh + kw. */
export function keyOneHot(geo: SegGptGeometry): Float32Array {
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
 * Gathered relative-position table laid out [q, c, k + pad] for a batched MatMul:
 * out[q][c][k] = table[q − k + size − 1][c], and zero in the `pad` trailing k columns.
 */
export function relativeTable(
  table: Float32Array,
  size: number,
  dim: number,
  pad = 0,
): Float32Array {
  const cols = size + pad;
  const out = new Float32Array(size * dim * cols);
  for (let q = 0; q < size; q++) {
    for (let k = 0; k < size; k++) {
      const row = (q - k + size - 1) * dim;
      for (let ch = 0; ch < dim; ch++) out[(q * dim + ch) * cols + k] = table[row + ch] as number;
    }
  }
  return out;
}

/**
 * Query chunks the `bias` form runs attention in. Each chunk's bias is [B, n, Lq/chunks, L]: one
 * chunk is fastest and int8 (the fast path) takes it; float32 takes four, which keeps the
 * bias's extra peak memory near 120 MiB on ViT-L instead of ≈ 600 MiB, for a few per cent of
 * speed (int8 measured +3% in four chunks).
 */
export function biasChunks(precision: Precision): number {
  return precision === 'int8' ? 1 : 4;
}

/** `rows` split into `n` consecutive ranges [start, end) as even as possible (at most `rows`). */
export function rowChunks(rows: number, n: number): [number, number][] {
  const count = Math.max(1, Math.min(rows, Math.floor(n)));
  return Array.from({ length: count }, (_, i) => [
    Math.round((i * rows) / count),
    Math.round(((i + 1) * rows) / count),
  ]);
}

/** Attention output [B, Lq, heads·hd] for the queries of patch rows fromRow … gh − 1. */
export function relPosAttention(
  g: GraphBuilder,
  geo: SegGptGeometry,
  heads: number,
  inp: AttentionInputs,
  kind: AttentionKind,
  fromRow = 0,
): string {
  const { gridH: gh, gridW: gw, headDim: hd } = geo;
  const qh = gh - fromRow; // query patch rows
  const L = qh * gw; // query tokens
  const pad = attentionPadding(geo, kind);
  const widened = hd + gh + gw + pad;
  // rel_h[b,(qh,qw),n,kh] = Σc q·Rh[qh,kh,c]: a MatMul batched over qh.
  const qRows = transpose(g, reshape(g, inp.q, [-1, qh, gw * heads, hd]), [1, 0, 2, 3]);
  const relH = reshape(
    g,
    transpose(g, g.op('MatMul', [qRows, reshape(g, inp.relH, [qh, 1, hd, gh])]), [1, 0, 2, 3]),
    [-1, L, heads, gh],
  );
  // rel_w[b,(qh,qw),n,kw] = Σc q·Rw[qw,kw,c]: batched over qw.
  const qCols = reshape(g, transpose(g, reshape(g, inp.q, [-1, gw, heads, hd]), [1, 0, 2, 3]), [
    gw,
    -1,
    hd,
  ]);
  const relW = reshape(
    g,
    transpose(
      g,
      reshape(g, g.op('MatMul', [qCols, inp.relW]), [gw, -1, heads, gw + pad]),
      [1, 0, 2, 3],
    ),
    [-1, L, heads, gw + pad],
  ); // the pad columns are zero: the tables' are

  if (kind === 'bias') {
    // The bias as a tensor with the keys in (kw, kh) order: [B, n, Lq, gw, 1] + [B, n, Lq, 1, gh]
    // → [B, n, Lq, L]. The broadcast Add then writes runs of gh values instead of gw, ≈ 40% faster
    // on ViT-L (gh = 56, gw = 28), for the cost of reordering k and v alike (attention does not
    // care in which order the keys come, as long as the bias's columns follow them). That one
    // transpose also gives k and v the operator's own [B, n, L, hd] layout, so no call (one per
    // chunk of query rows) transposes them again.
    const byColumns = (t: string): string =>
      reshape(g, transpose(g, reshape(g, t, [0, gh, gw, heads, hd]), [0, 3, 2, 1, 4]), [
        0,
        heads,
        gh * gw,
        hd,
      ]);
    const [k, v, q] = [byColumns(inp.k), byColumns(inp.v), reshape(g, inp.q, [0, 0, heads * hd])];
    const outs = rowChunks(qh, biasChunks(g.precision)).map(([r0, r1]) => {
      const rows = (t: string): string => (r1 - r0 === qh ? t : slice(g, t, 1, r0 * gw, r1 * gw));
      const bh = reshape(g, transpose(g, rows(relH), [0, 2, 1, 3]), [0, 0, 0, 1, gh]);
      const bw = reshape(g, transpose(g, rows(relW), [0, 2, 1, 3]), [0, 0, 0, gw, 1]);
      const bias = reshape(g, g.op('Add', [bw, bh]), [0, 0, 0, gh * gw]);
      return g.op(
        'MultiHeadAttention',
        [rows(q), k, v, '', '', bias],
        { num_heads: int(heads), scale: float(1) },
        'com.microsoft',
      );
    });
    return outs.length === 1 ? (outs[0] as string) : g.op('Concat', outs, { axis: int(1) });
  }
  const qx = g.op('Concat', [inp.q, relH, relW], { axis: int(-1) }); // [B, L, n, hd+gh+gw+pad]
  if (kind === 'flash') {
    // v' is zero past hd, so are the output's columns there: they are dropped.
    const out = g.op(
      'MultiHeadAttention',
      [reshape(g, qx, [0, 0, heads * widened]), inp.k, inp.v],
      { num_heads: int(heads), scale: float(1) },
      'com.microsoft',
    );
    return reshape(g, slice(g, reshape(g, out, [0, 0, heads, widened]), 3, 0, hd), [
      0,
      0,
      heads * hd,
    ]);
  }
  const shape = g.op('Concat', [g.op('Shape', [inp.k], { end: int(3) }), g.constI64([gh + gw])], {
    axis: int(0),
  });
  const kx = g.op('Concat', [inp.k, g.op('Expand', [inp.keyOneHot, shape])], { axis: int(-1) });
  if (kind === 'fused') {
    return g.op(
      'MultiHeadAttention',
      [
        reshape(g, qx, [0, 0, heads * widened]),
        reshape(g, kx, [0, 0, heads * widened]),
        reshape(g, inp.v, [0, 0, heads * hd]),
      ],
      { num_heads: int(heads), scale: float(1) },
      'com.microsoft',
    );
  }
  const byHead = (t: string): string => transpose(g, t, [0, 2, 1, 3]); // [B, n, L, ·]
  const scores = g.op('MatMul', [byHead(qx), transpose(g, kx, [0, 2, 3, 1])]);
  const probs = g.op('Softmax', [scores], { axis: int(-1) });
  return reshape(g, byHead(g.op('MatMul', [probs, byHead(inp.v)])), [0, 0, heads * hd]);
}
