/** Colour palettes: SegGPT prompt colours, the Pascal VOC colour map, nearest-colour lookup. */

/** Largest class id a palette (and an 8-bit mask) can hold. */
const MAX_CLASS_ID = 255;

/**
 * The HF SegGPT palette for K classes: K+1 RGB triplets, class 0 black, classes 1..K spread over
 * a base³ colour cube. base uses `Math.pow(K, 1/3)` on purpose, as HF's `K ** (1/3)` does:
 * `Math.cbrt(64)` is exactly 4 but `Math.pow(64, 1/3)` is 3.999…, so K = 64 gets base 4, not 5.
 */
export function seggptPalette(numClasses: number): Uint8Array {
  if (!Number.isInteger(numClasses) || numClasses < 0 || numClasses > MAX_CLASS_ID) {
    throw new RangeError(
      `number of classes must be an integer 0..${MAX_CLASS_ID}, got ${numClasses}`,
    );
  }
  const base = Math.floor(Math.pow(numClasses, 1 / 3)) + 1;
  const margin = Math.floor(256 / base);
  const out = new Uint8Array((numClasses + 1) * 3); // entry 0 stays black
  for (let l = 0; l < numClasses; l++) {
    const o = (l + 1) * 3;
    out[o] = 255 - Math.floor(l / (base * base)) * margin;
    out[o + 1] = 255 - Math.floor((l % (base * base)) / base) * margin;
    out[o + 2] = 255 - (l % base) * margin;
  }
  return out;
}

/**
 * The 256-entry Pascal VOC colour map (768 bytes): the bits of the class id are dealt out in turn
 * to R, G, B, from each channel's most significant bit down. 0 is black, 255 (224,224,192) is
 * VOC's "ignore" colour.
 */
export function vocPalette(): Uint8Array {
  const out = new Uint8Array(256 * 3);
  for (let id = 0; id < 256; id++) {
    let c = id;
    let r = 0;
    let g = 0;
    let b = 0;
    for (let bit = 7; bit >= 0 && c > 0; bit--) {
      r |= (c & 1) << bit;
      g |= ((c >> 1) & 1) << bit;
      b |= ((c >> 2) & 1) << bit;
      c >>= 3;
    }
    out[id * 3] = r;
    out[id * 3 + 1] = g;
    out[id * 3 + 2] = b;
  }
  return out;
}

/** Index of the palette colour nearest to (r, g, b) by squared RGB distance; ties go to the lower id. */
export function nearestPaletteIndex(r: number, g: number, b: number, palette: Uint8Array): number {
  const n = Math.floor(palette.length / 3);
  if (n === 0) throw new RangeError('palette is empty');
  let best = 0;
  let bestDist = Infinity;
  for (let i = 0; i < n; i++) {
    const dr = r - palette[i * 3];
    const dg = g - palette[i * 3 + 1];
    const db = b - palette[i * 3 + 2];
    const d = dr * dr + dg * dg + db * db;
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
  }
  return best;
}
