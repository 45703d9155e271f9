/** Class-id masks and rectangles shared by the host and the webview (no vscode/Node/DOM imports). */

/** A per-pixel class-id map, row-major, one byte per pixel (0 = unlabeled, 255 = ignore). */
export interface MaskBuffer {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** An axis-aligned pixel rectangle inside a mask. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Pixels covered by a tool inside `rect`: `inside[i]` is 1 for rect pixel i (row-major). */
export interface Region {
  readonly rect: Rect;
  readonly inside: Uint8Array;
}

/** A reversible change to a rectangle of a mask: its values before and after. */
export interface Patch {
  readonly rect: Rect;
  readonly before: Uint8Array;
  readonly after: Uint8Array;
}

/** A zero-filled mask of the given size. */
export function emptyMask(width: number, height: number): MaskBuffer {
  return { width, height, data: new Uint8Array(width * height) };
}

/** Copies the values of `rect` out of `mask`. */
export function readRect(mask: MaskBuffer, rect: Rect): Uint8Array {
  const out = new Uint8Array(rect.w * rect.h);
  for (let row = 0; row < rect.h; row++) {
    const start = (rect.y + row) * mask.width + rect.x;
    out.set(mask.data.subarray(start, start + rect.w), row * rect.w);
  }
  return out;
}

/** Writes `values` (rect.w × rect.h) into `rect` of `mask`. */
export function writeRect(mask: MaskBuffer, rect: Rect, values: Uint8Array): void {
  if (values.length !== rect.w * rect.h) {
    throw new RangeError(`patch has ${values.length} values for a ${rect.w}×${rect.h} rectangle`);
  }
  if (!rectInside(rect, mask.width, mask.height)) {
    throw new RangeError(
      `rectangle ${rectLabel(rect)} lies outside the ${mask.width}×${mask.height} mask`,
    );
  }
  for (let row = 0; row < rect.h; row++) {
    const src = values.subarray(row * rect.w, (row + 1) * rect.w);
    mask.data.set(src, (rect.y + row) * mask.width + rect.x);
  }
}

/** Whether `rect` is non-empty and lies within a width × height mask. */
export function rectInside(rect: Rect, width: number, height: number): boolean {
  return (
    Number.isInteger(rect.x) &&
    Number.isInteger(rect.y) &&
    Number.isInteger(rect.w) &&
    Number.isInteger(rect.h) &&
    rect.w > 0 &&
    rect.h > 0 &&
    rect.x >= 0 &&
    rect.y >= 0 &&
    rect.x + rect.w <= width &&
    rect.y + rect.h <= height
  );
}

/** The smallest rectangle holding both (either may be undefined). */
export function unionRect(a: Rect | undefined, b: Rect | undefined): Rect | undefined {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  const right = Math.max(a.x + a.w, b.x + b.w);
  const bottom = Math.max(a.y + a.h, b.y + b.h);
  return { x, y, w: right - x, h: bottom - y };
}

/** `x,y wxh`, for messages. */
export function rectLabel(rect: Rect): string {
  return `${rect.x},${rect.y} ${rect.w}×${rect.h}`;
}

/**
 * Sets every covered pixel of `region` to `value`; returns the patch, or undefined when no pixel
 * changed (so a no-op click records no edit).
 */
export function applyRegion(mask: MaskBuffer, region: Region, value: number): Patch | undefined {
  const { rect, inside } = region;
  const before = readRect(mask, rect);
  const after = before.slice();
  let changed = false;
  for (let i = 0; i < inside.length; i++) {
    if (inside[i] && after[i] !== value) {
      after[i] = value;
      changed = true;
    }
  }
  if (!changed) return undefined;
  writeRect(mask, rect, after);
  return { rect, before, after };
}

/** Shrinks a region to the bounding box of its covered pixels; undefined if it covers none. */
export function cropRegion(region: Region): Region | undefined {
  const { rect, inside } = region;
  let minX = rect.w;
  let minY = rect.h;
  let maxX = -1;
  let maxY = -1;
  for (let row = 0; row < rect.h; row++) {
    const offset = row * rect.w;
    for (let col = 0; col < rect.w; col++) {
      if (!inside[offset + col]) continue;
      if (col < minX) minX = col;
      if (col > maxX) maxX = col;
      if (row < minY) minY = row;
      maxY = row;
    }
  }
  if (maxX < 0) return undefined;
  const crop: Rect = { x: rect.x + minX, y: rect.y + minY, w: maxX - minX + 1, h: maxY - minY + 1 };
  if (crop.w === rect.w && crop.h === rect.h) return region;
  const out = new Uint8Array(crop.w * crop.h);
  for (let row = 0; row < crop.h; row++) {
    const src = (row + minY) * rect.w + minX;
    out.set(inside.subarray(src, src + crop.w), row * crop.w);
  }
  return { rect: crop, inside: out };
}
