/** Flood fill on class-id masks: the 4-connected area of one class around a seed pixel. */
import { cropRegion, type MaskBuffer, type Region } from './maskBuffer';

/**
 * The 4-connected pixels that share the seed pixel's class, as a region cropped to their
 * bounding box; undefined when the seed lies outside the mask. Scanline spans keep the stack
 * small even for a fill of the whole image.
 */
export function floodRegion(mask: MaskBuffer, seedX: number, seedY: number): Region | undefined {
  const { width, height, data } = mask;
  const sx = Math.floor(seedX);
  const sy = Math.floor(seedY);
  if (!(sx >= 0 && sy >= 0 && sx < width && sy < height)) return undefined;
  const target = data[sy * width + sx];
  const inside = new Uint8Array(width * height);
  const stack: number[] = [sx, sy];
  while (stack.length > 0) {
    const y = stack.pop() as number;
    let x = stack.pop() as number;
    const row = y * width;
    if (inside[row + x]) continue;
    // Walk left to the start of the span, then fill rightwards, seeding rows above and below.
    while (x > 0 && data[row + x - 1] === target && !inside[row + x - 1]) x--;
    let upOpen = false;
    let downOpen = false;
    for (; x < width && data[row + x] === target && !inside[row + x]; x++) {
      inside[row + x] = 1;
      upOpen = seedRow(stack, data, inside, width, x, y - 1, height, target, upOpen);
      downOpen = seedRow(stack, data, inside, width, x, y + 1, height, target, downOpen);
    }
  }
  return cropRegion({ rect: { x: 0, y: 0, w: width, h: height }, inside });
}

/** Pushes (x, y) once per run of fillable pixels on a neighbouring row; returns the run state. */
function seedRow(
  stack: number[],
  data: Uint8Array,
  inside: Uint8Array,
  width: number,
  x: number,
  y: number,
  height: number,
  target: number,
  open: boolean,
): boolean {
  if (y < 0 || y >= height) return false;
  const i = y * width + x;
  const fillable = data[i] === target && !inside[i];
  if (fillable && !open) stack.push(x, y);
  return fillable;
}
