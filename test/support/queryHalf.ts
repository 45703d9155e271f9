/** Extracting the query half (bottom rows) of a full-canvas prediction. */

/** Rows h..2h−1 of a full canvas [N,3,2h,w] as [N,3,h,w] (what the engine's graph outputs). */
export function queryHalf(
  canvas: ArrayLike<number>,
  n: number,
  h: number,
  w: number,
): Float64Array {
  const out = new Float64Array(n * 3 * h * w);
  for (let plane = 0; plane < n * 3; plane++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        out[(plane * h + y) * w + x] = canvas[(plane * 2 * h + h + y) * w + x] as number;
      }
    }
  }
  return out;
}
