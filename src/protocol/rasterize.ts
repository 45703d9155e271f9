/**
 * Brush strokes and polygons as pixel regions. A pixel (x, y) is sampled at its centre
 * (x + 0.5, y + 0.5), so the webview (drawing as the pointer moves) and the host (replaying the
 * whole stroke) cover exactly the same pixels.
 */
import { cropRegion, type Rect, type Region } from './maskBuffer';

/** Smallest brush radius: one pixel wide. */
export const MIN_BRUSH_RADIUS = 0.5;

/** Largest brush radius, in image pixels. */
export const MAX_BRUSH_RADIUS = 512;

/** Pixel rectangle covering image-space [x0, x1] × [y0, y1] (by pixel centres), clipped. */
function centreBox(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  height: number,
): Rect | undefined {
  const left = Math.max(0, Math.ceil(x0 - 0.5));
  const top = Math.max(0, Math.ceil(y0 - 0.5));
  const right = Math.min(width - 1, Math.floor(x1 - 0.5));
  const bottom = Math.min(height - 1, Math.floor(y1 - 0.5));
  if (right < left || bottom < top) return undefined;
  return { x: left, y: top, w: right - left + 1, h: bottom - top + 1 };
}

/** Bounding rectangle of flat [x0, y0, x1, y1, …] points grown by `pad`, clipped; may be empty. */
function pointsBox(points: readonly number[], pad: number, width: number, height: number) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    minX = Math.min(minX, points[i]);
    maxX = Math.max(maxX, points[i]);
    minY = Math.min(minY, points[i + 1]);
    maxY = Math.max(maxY, points[i + 1]);
  }
  if (!Number.isFinite(minX)) return undefined;
  return centreBox(minX - pad, minY - pad, maxX + pad, maxY + pad, width, height);
}

function checkPoints(points: readonly number[]): void {
  if (points.length < 2 || points.length % 2 !== 0 || !points.every(Number.isFinite)) {
    throw new RangeError('points must be a non-empty list of finite x, y pairs');
  }
}

/**
 * Pixels whose centre lies within `radius` of the polyline through `points` (flat x, y pairs);
 * the pixel under each point always counts, so the smallest brush never skips a click.
 */
export function strokeRegion(
  points: readonly number[],
  radius: number,
  width: number,
  height: number,
): Region | undefined {
  checkPoints(points);
  const r = Math.min(MAX_BRUSH_RADIUS, Math.max(MIN_BRUSH_RADIUS, radius));
  const rect = pointsBox(points, r + 1, width, height);
  if (!rect) return undefined;
  const inside = new Uint8Array(rect.w * rect.h);
  const r2 = r * r;
  const n = points.length / 2;
  for (let s = 0; s < Math.max(1, n - 1); s++) {
    const ax = points[2 * s];
    const ay = points[2 * s + 1];
    const bx = n > 1 ? points[2 * s + 2] : ax;
    const by = n > 1 ? points[2 * s + 3] : ay;
    stampSegment(inside, rect, ax, ay, bx, by, r, r2);
  }
  for (let i = 0; i < n; i++) {
    const px = Math.floor(points[2 * i]) - rect.x;
    const py = Math.floor(points[2 * i + 1]) - rect.y;
    if (px >= 0 && py >= 0 && px < rect.w && py < rect.h) inside[py * rect.w + px] = 1;
  }
  return cropRegion({ rect, inside });
}

/** Marks the pixels of `rect` whose centre is within r of segment a–b. */
function stampSegment(
  inside: Uint8Array,
  rect: Rect,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  r: number,
  r2: number,
): void {
  const box = centreBox(
    Math.min(ax, bx) - r,
    Math.min(ay, by) - r,
    Math.max(ax, bx) + r,
    Math.max(ay, by) + r,
    rect.x + rect.w,
    rect.y + rect.h,
  );
  if (!box) return;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  for (let y = Math.max(box.y, rect.y); y < box.y + box.h; y++) {
    const cy = y + 0.5;
    const row = (y - rect.y) * rect.w - rect.x;
    for (let x = Math.max(box.x, rect.x); x < box.x + box.w; x++) {
      const cx = x + 0.5;
      // Project the centre on the segment, clamp to its ends, compare squared distances.
      let t = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = ax + t * dx - cx;
      const ey = ay + t * dy - cy;
      if (ex * ex + ey * ey <= r2) inside[row + x] = 1;
    }
  }
}

/**
 * Pixels whose centre lies inside the closed polygon through `points` (flat x, y pairs), by the
 * even-odd rule, so a lasso that crosses itself leaves the crossed part out.
 */
export function polygonRegion(
  points: readonly number[],
  width: number,
  height: number,
): Region | undefined {
  checkPoints(points);
  const n = points.length / 2;
  if (n < 3) return undefined;
  const rect = pointsBox(points, 0, width, height);
  if (!rect) return undefined;
  const inside = new Uint8Array(rect.w * rect.h);
  const xs: number[] = [];
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < n; i++) {
      const x0 = points[2 * i];
      const y0 = points[2 * i + 1];
      const x1 = points[(2 * i + 2) % (2 * n)];
      const y1 = points[(2 * i + 3) % (2 * n)];
      // Half-open rule (y0 <= cy) !== (y1 <= cy): a vertex on the scan line counts once.
      if (y0 <= cy !== y1 <= cy) xs.push(x0 + ((cy - y0) / (y1 - y0)) * (x1 - x0));
    }
    xs.sort((a, b) => a - b);
    const row = (y - rect.y) * rect.w;
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Centres cx = x + 0.5 with xs[k] <= cx < xs[k + 1].
      const from = Math.max(rect.x, Math.ceil(xs[k] - 0.5));
      const to = Math.min(rect.x + rect.w - 1, Math.ceil(xs[k + 1] - 0.5) - 1);
      for (let x = from; x <= to; x++) inside[row + x - rect.x] = 1;
    }
  }
  return cropRegion({ rect, inside });
}
