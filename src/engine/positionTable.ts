/** Resizing the pretrained position table to the patch grid, as PyTorch's bicubic does. */

const A = -0.75;

/** Cubic convolution weight for distance d (Keys kernel with a = −0.75). */
function cubicWeight(d: number): number {
  const x = Math.abs(d);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

/**
 * For each output index: the four source taps (clamped) and their weights, following
 * `align_corners=False`: src = (i + 0.5)·in/out − 0.5, not clamped before the taps.
 */
function taps(inSize: number, outSize: number): { idx: Int32Array; w: Float64Array } {
  const idx = new Int32Array(outSize * 4);
  const w = new Float64Array(outSize * 4);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = (i + 0.5) * scale - 0.5;
    const x0 = Math.floor(src);
    const t = src - x0;
    const ds = [t + 1, t, 1 - t, 2 - t];
    for (let k = 0; k < 4; k++) {
      idx[i * 4 + k] = Math.min(Math.max(x0 - 1 + k, 0), inSize - 1);
      w[i * 4 + k] = cubicWeight(ds[k] as number);
    }
  }
  return { idx, w };
}

/**
 * Bicubic resize of a channels-last grid [inH, inW, C] to [outH, outW, C], matching
 * `torch.nn.functional.interpolate(mode='bicubic', align_corners=False)` (no antialias).
 */
export function resizeBicubic(
  src: Float32Array | Float64Array,
  inH: number,
  inW: number,
  channels: number,
  outH: number,
  outW: number,
): Float32Array {
  const rows = taps(inH, outH);
  const cols = taps(inW, outW);
  // Rows first, then columns (the operation is separable); float64 accumulation.
  const mid = new Float64Array(outH * inW * channels);
  for (let oy = 0; oy < outH; oy++) {
    for (let k = 0; k < 4; k++) {
      const sy = rows.idx[oy * 4 + k] as number;
      const wy = rows.w[oy * 4 + k] as number;
      for (let x = 0; x < inW; x++) {
        const s = (sy * inW + x) * channels;
        const d = (oy * inW + x) * channels;
        for (let c = 0; c < channels; c++) mid[d + c] += wy * (src[s + c] as number);
      }
    }
  }
  const out = new Float64Array(outH * outW * channels);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const d = (oy * outW + ox) * channels;
      for (let k = 0; k < 4; k++) {
        const sx = cols.idx[ox * 4 + k] as number;
        const wx = cols.w[ox * 4 + k] as number;
        const s = (oy * inW + sx) * channels;
        for (let c = 0; c < channels; c++) out[d + c] += wx * (mid[s + c] as number);
      }
    }
  }
  return Float32Array.from(out);
}
