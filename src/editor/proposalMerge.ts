/** Merging a model proposal into a mask: replace it, or fill only the unlabeled pixels. */
import type { AcceptMode } from '../protocol/messages';
import type { MaskBuffer, Rect } from '../protocol/maskBuffer';

/** The new values of the smallest rectangle that accepting would change; undefined if none. */
export function mergeProposal(
  mask: MaskBuffer,
  proposal: Uint8Array,
  mode: AcceptMode,
): { rect: Rect; values: Uint8Array } | undefined {
  const { width, height, data } = mask;
  if (proposal.length !== data.length) {
    throw new RangeError(`proposal has ${proposal.length} pixels, the mask ${width}×${height}`);
  }
  const merged = (i: number): number =>
    mode === 'replace' ? proposal[i] : data[i] === 0 ? proposal[i] : data[i];
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      if (merged(i) === data[i]) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      maxY = y;
    }
  }
  if (maxX < 0) return undefined;
  const rect = { x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 };
  const values = new Uint8Array(rect.w * rect.h);
  for (let row = 0; row < rect.h; row++) {
    for (let col = 0; col < rect.w; col++) {
      values[row * rect.w + col] = merged((rect.y + row) * width + rect.x + col);
    }
  }
  return { rect, values };
}
