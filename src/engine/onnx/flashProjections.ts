/**
 * The q/k/v projections of the `flash` attention form, written as the attention reads them.
 *
 * `flash` feeds MultiHeadAttention widened heads of W = hd + gh + gw + pad columns: q' = [q, rel_h,
 * rel_w, 0], k' = [k, one-hot(kh), one-hot(kw), 0], v' = [v, 0]. Built from one qkv product, that
 * takes a Split, an Expand, a Concat and a Pad per block, each a pass over the tensors (together
 * as long as the attention itself on a GPU). Here k' and v' come straight out of their own
 * products, whose weights have zero rows in the widened columns, and the one-hot columns are one
 * constant added to k'. Two biases drop out exactly:
 * - k's bias adds q·b_k to every score of a query row, which softmax ignores;
 * - v's bias adds b_v to every attention output row (the probabilities sum to 1), so it is folded
 *   into the output projection's bias: b_proj + W_proj·b_v.
 * The zero columns cost ≈ 9 GFLOP per block and image in the two products, which GPUs run near
 * their tensor peak; the passes they replace run far below their memory bandwidth.
 */
import type { SegGptGeometry } from '../config';

/** Widened head width W of the flash form, for a padding `pad`. */
export function widenedWidth(geo: SegGptGeometry, pad: number): number {
  return geo.headDim + geo.gridH + geo.gridW + pad;
}

/**
 * PyTorch-layout rows [heads·hd, in] of one projection spread to [heads·W, in]: head n's rows
 * land at n·W …, the other W − hd rows of each head are zero.
 */
export function widenRows(
  w: Float32Array,
  heads: number,
  hd: number,
  width: number,
  inDim: number,
): Float32Array {
  const out = new Float32Array(heads * width * inDim);
  for (let n = 0; n < heads; n++) {
    out.set(w.subarray(n * hd * inDim, (n + 1) * hd * inDim), n * width * inDim);
  }
  return out;
}

/**
 * [L, heads·W] constant added to k': in every head, key token (kh, kw) has a 1 at column hd + kh
 * and at hd + gh + kw; everything else is zero.
 */
export function wideKeyOneHot(geo: SegGptGeometry, heads: number, width: number): Float32Array {
  const { gridH: gh, gridW: gw, headDim: hd } = geo;
  const row = heads * width;
  const out = new Float32Array(gh * gw * row);
  for (let kh = 0; kh < gh; kh++) {
    for (let kw = 0; kw < gw; kw++) {
      const t = kh * gw + kw;
      for (let n = 0; n < heads; n++) {
        out[t * row + n * width + hd + kh] = 1;
        out[t * row + n * width + hd + gh + kw] = 1;
      }
    }
  }
  return out;
}

/** b_proj + W_proj·b_v, with W_proj in PyTorch layout [out, in]. */
export function foldValueBias(
  projWeight: Float32Array,
  projBias: Float32Array,
  valueBias: Float32Array,
): Float32Array {
  const outDim = projBias.length;
  const inDim = valueBias.length;
  const out = new Float32Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let s = projBias[o] as number;
    for (let i = 0; i < inDim; i++) {
      s += (projWeight[o * inDim + i] as number) * (valueBias[i] as number);
    }
    out[o] = s;
  }
  return out;
}
