/**
 * Edits as small, replayable operations: the webview applies one at once while the user draws,
 * the host replays it on its own copy of the mask and records the resulting patch for undo.
 * Both run this same code, so both copies end up identical.
 */
import { floodRegion } from './floodFill';
import { applyRegion, type MaskBuffer, type Patch, type Region } from './maskBuffer';
import { polygonRegion, strokeRegion } from './rasterize';

/** A brush (or eraser, value 0) stroke: flat x, y image coordinates and a radius in pixels. */
export interface StrokeOp {
  readonly kind: 'stroke';
  readonly points: readonly number[];
  readonly radius: number;
  readonly value: number;
}

/** A flood fill of the 4-connected area of one class around a seed pixel. */
export interface FillOp {
  readonly kind: 'fill';
  readonly x: number;
  readonly y: number;
  readonly value: number;
}

/** A filled polygon or lasso: flat x, y vertices of a closed outline. */
export interface PolygonOp {
  readonly kind: 'polygon';
  readonly points: readonly number[];
  readonly value: number;
}

/** Any edit the user makes with a tool in the webview. */
export type EditOp = StrokeOp | FillOp | PolygonOp;

/** Whether `value` is a class id a mask can hold. */
export function isClassId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;
}

/** The pixels an operation covers on `mask` as it is now. */
export function opRegion(mask: MaskBuffer, op: EditOp): Region | undefined {
  switch (op.kind) {
    case 'stroke':
      return strokeRegion(op.points, op.radius, mask.width, mask.height);
    case 'fill':
      return floodRegion(mask, op.x, op.y);
    case 'polygon':
      return polygonRegion(op.points, mask.width, mask.height);
  }
}

/** Applies an operation to `mask`; returns its patch, or undefined when nothing changed. */
export function applyOp(mask: MaskBuffer, op: EditOp): Patch | undefined {
  if (!isClassId(op.value)) throw new RangeError(`class id must be 0..255, got ${op.value}`);
  const region = opRegion(mask, op);
  return region ? applyRegion(mask, region, op.value) : undefined;
}

/** A short name for the undo menu ("Brush", "Erase", "Fill", "Polygon"). */
export function opLabel(op: EditOp): string {
  switch (op.kind) {
    case 'stroke':
      return op.value === 0 ? 'Erase' : 'Brush';
    case 'fill':
      return 'Fill';
    case 'polygon':
      return 'Polygon';
  }
}

/** Checks an operation received from the other side; throws a RangeError naming the problem. */
export function validateOp(op: unknown): EditOp {
  const o = op as {
    kind?: unknown;
    value?: unknown;
    points?: unknown;
    radius?: unknown;
    x?: unknown;
    y?: unknown;
  } | null;
  if (!o || typeof o !== 'object') throw new RangeError('edit is not an object');
  if (!isClassId(o.value)) throw new RangeError(`class id must be 0..255, got ${String(o.value)}`);
  const finitePoints = (p: unknown): p is number[] =>
    Array.isArray(p) && p.length >= 2 && p.length % 2 === 0 && p.every(Number.isFinite);
  switch (o.kind) {
    case 'stroke':
      if (!finitePoints(o.points) || !Number.isFinite(o.radius)) break;
      return { kind: 'stroke', points: o.points, radius: o.radius as number, value: o.value };
    case 'fill':
      if (!Number.isFinite(o.x) || !Number.isFinite(o.y)) break;
      return { kind: 'fill', x: o.x as number, y: o.y as number, value: o.value };
    case 'polygon':
      if (!finitePoints(o.points)) break;
      return { kind: 'polygon', points: o.points, value: o.value };
  }
  throw new RangeError(`malformed ${String(o.kind)} edit`);
}
