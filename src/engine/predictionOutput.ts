/** Post-processing: one query's normalized model output → class-id map and soft map. */

import { IMAGENET_MEAN, IMAGENET_STD, resizeNearest, type InputSize } from './imageInput';

/** Class ids and a 0..255 soft value per output pixel, both row-major. */
export interface PredictionMaps {
  readonly classes: Uint8Array;
  /**
   * Binary (black/white palette): mean RGB intensity, so > 127.5 is foreground. Several classes:
   * confidence in the chosen colour, 255·d₂/(d₁ + d₂) from the distances to the nearest and the
   * second-nearest palette colours (255 on the colour, 128 half-way between two).
   */
  readonly soft: Uint8Array;
}

function isBlackWhite(palette: Uint8Array): boolean {
  return palette.length === 6 && palette.every((v, i) => v === (i < 3 ? 0 : 255));
}

/**
 * Denormalizes one query's [3, inputH, inputW] prediction (·std + mean, ·255, clipped to 0..255),
 * takes per pixel the nearest palette colour (squared RGB distance, ties to the lower id) as the
 * class id, and nearest-resizes the ids and soft values to outWidth×outHeight. Classifying at model
 * resolution first is exact (nearest resize only copies pixels) and keeps big outputs fast.
 */
export function predictionToClassMap(
  pred: Float32Array,
  geom: InputSize,
  outWidth: number,
  outHeight: number,
  palette: Uint8Array,
): PredictionMaps {
  const { inputW: w, inputH: h } = geom;
  const soft = new Uint8Array(w * h);
  const classes = classify(pred, geom, palette, soft);
  return {
    classes: resizeNearest(classes, w, h, outWidth, outHeight),
    soft: resizeNearest(soft, w, h, outWidth, outHeight),
  };
}

/**
 * The class ids of predictionToClassMap alone (what a mask file holds), without the soft map:
 * about half the work for a black/white palette.
 */
export function predictionToClasses(
  pred: Float32Array,
  geom: InputSize,
  outWidth: number,
  outHeight: number,
  palette: Uint8Array,
): Uint8Array {
  const { inputW: w, inputH: h } = geom;
  return resizeNearest(classify(pred, geom, palette), w, h, outWidth, outHeight);
}

/** Class ids at model resolution; soft values too when given somewhere to put them. */
function classify(
  pred: Float32Array,
  geom: InputSize,
  palette: Uint8Array,
  soft?: Uint8Array,
): Uint8Array {
  const { inputW: w, inputH: h } = geom;
  const plane = w * h;
  if (pred.length !== 3 * plane) {
    throw new RangeError(`prediction has ${pred.length} values, expected 3×${h}×${w}`);
  }
  const colours = Math.floor(palette.length / 3);
  if (colours < 1) throw new RangeError('palette is empty');
  const [sr, sg, sb] = IMAGENET_STD;
  const [mr, mg, mb] = IMAGENET_MEAN;
  const classes = new Uint8Array(plane);
  const binary = isBlackWhite(palette);
  for (let i = 0; i < plane; i++) {
    // Same operation order as the references, (x·std + mean)·255, so near-ties round alike.
    const r = Math.min(255, Math.max(0, (pred[i] * sr + mr) * 255));
    const g = Math.min(255, Math.max(0, (pred[plane + i] * sg + mg) * 255));
    const b = Math.min(255, Math.max(0, (pred[2 * plane + i] * sb + mb) * 255));
    if (binary) {
      // Nearer white than black ⇔ r + g + b > 3·127.5; the sum avoids rounding at near-ties.
      const sum = r + g + b;
      classes[i] = sum > 382.5 ? 1 : 0;
      if (soft) soft[i] = Math.round(sum / 3);
      continue;
    }
    let best = 0;
    let d1 = Infinity;
    let d2 = Infinity;
    for (let k = 0; k < colours; k++) {
      const dr = r - palette[k * 3];
      const dg = g - palette[k * 3 + 1];
      const db = b - palette[k * 3 + 2];
      const d = dr * dr + dg * dg + db * db;
      if (d < d1) {
        d2 = d1;
        d1 = d;
        best = k;
      } else if (d < d2) {
        d2 = d;
      }
    }
    classes[i] = best;
    if (!soft) continue;
    const near = Math.sqrt(d1);
    const far = Math.sqrt(d2);
    soft[i] = far === Infinity || near + far === 0 ? 255 : Math.round((255 * far) / (near + far));
  }
  return classes;
}
