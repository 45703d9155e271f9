/**
 * Pointer tools on the stage: brush, eraser, flood fill, polygon (click vertices) and lasso (drag).
 * Every tool changes the local mask first and then tells the host, so drawing never waits on it.
 */
import type { EditOp } from '../src/protocol/editOps';
import { MAX_BRUSH_RADIUS, MIN_BRUSH_RADIUS } from '../src/protocol/rasterize';
import type { LocalMask } from './localMask';
import type { Viewport } from './viewport';

/** The editing tools. */
export type ToolName = 'brush' | 'eraser' | 'fill' | 'polygon';

/** What the tools need from the editor. */
export interface ToolContext {
  readonly mask: () => LocalMask | undefined;
  readonly viewport: Viewport;
  readonly classId: () => number;
  readonly radius: () => number;
  readonly setRadius: (radius: number) => void;
  readonly sendEdit: (op: EditOp, baseVersion: number) => void;
  readonly onHover: (x: number, y: number) => void;
}

interface Stroke {
  readonly points: number[];
  readonly base: number;
  readonly value: number;
  readonly radius: number;
  changed: boolean;
}

// A press that moves more than this (screen px) with the polygon tool is a lasso, not a click.
const LASSO_START_PX = 4;
// A click this close (screen px) to the first vertex closes the polygon.
const CLOSE_PX = 8;

/** Pointer handling for the tools. */
export class ToolController {
  private _tool: ToolName = 'brush';
  private stroke: Stroke | undefined;
  private polygon: number[] | undefined;
  private press: { x: number; y: number; lasso: boolean } | undefined;
  private pan: { x: number; y: number } | undefined;
  private spaceHeld = false;
  private lastClient: { x: number; y: number } | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly overlay: SVGPolylineElement,
    private readonly cursor: HTMLElement,
    private readonly ctx: ToolContext,
  ) {
    container.addEventListener('pointerdown', (e) => this.down(e));
    container.addEventListener('pointermove', (e) => this.move(e));
    container.addEventListener('pointerup', (e) => this.up(e));
    container.addEventListener('pointercancel', () => this.cancelPointer());
    container.addEventListener('pointerleave', () => (this.cursor.hidden = true));
    container.addEventListener('dblclick', () => this.closePolygon());
    container.addEventListener('contextmenu', (e) => e.preventDefault());
    container.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
  }

  /** The active tool. */
  get tool(): ToolName {
    return this._tool;
  }

  set tool(tool: ToolName) {
    this.cancelPolygon();
    this._tool = tool;
    this.container.dataset.tool = tool;
    this.updateCursor();
  }

  /** Whether space is held (space + drag pans). */
  set space(held: boolean) {
    this.spaceHeld = held;
    this.container.classList.toggle('panning', held);
  }

  /** Applies an operation as if drawn: locally at once, then sent to the host. */
  perform(op: EditOp): boolean {
    const mask = this.ctx.mask();
    if (!mask) return false;
    const base = mask.version;
    if (!mask.apply(op)) return false;
    this.ctx.sendEdit(op, base);
    return true;
  }

  /** Closes the polygon in progress and fills it. */
  closePolygon(): void {
    const points = this.polygon;
    this.cancelPolygon();
    if (points && points.length >= 6) {
      this.perform({ kind: 'polygon', points, value: this.ctx.classId() });
    }
  }

  /** Drops the polygon in progress; true if there was one. */
  cancelPolygon(): boolean {
    const had = this.polygon !== undefined;
    this.polygon = undefined;
    this.press = undefined;
    this.drawOverlay();
    return had;
  }

  /** Removes the last polygon vertex. */
  undoVertex(): void {
    if (!this.polygon) return;
    this.polygon.splice(-2, 2);
    if (this.polygon.length === 0) this.polygon = undefined;
    this.drawOverlay();
  }

  /** Redraws the brush outline (after a zoom or size change). */
  updateCursor(): void {
    const at = this.lastClient;
    const brushLike = this._tool === 'brush' || this._tool === 'eraser';
    this.cursor.hidden = !at || !brushLike || this.pan !== undefined;
    if (!at || !brushLike) return;
    const box = this.container.getBoundingClientRect();
    const d = Math.max(2, 2 * this.ctx.radius() * this.ctx.viewport.zoom);
    this.cursor.style.width = `${d}px`;
    this.cursor.style.height = `${d}px`;
    this.cursor.style.transform = `translate(${at.x - box.left - d / 2}px, ${at.y - box.top - d / 2}px)`;
  }

  private capture(pointerId: number): void {
    try {
      this.container.setPointerCapture(pointerId);
    } catch {
      // a pointer that is no longer active (or a synthetic one): drawing works without capture
    }
  }

  private down(e: PointerEvent): void {
    this.container.focus({ preventScroll: true });
    if (e.button === 1 || (e.button === 0 && this.spaceHeld)) {
      this.pan = { x: e.clientX, y: e.clientY };
      this.capture(e.pointerId);
      e.preventDefault();
      return;
    }
    if (e.button !== 0 && e.button !== 2) return;
    const mask = this.ctx.mask();
    if (!mask) return;
    const p = this.ctx.viewport.toImage(e.clientX, e.clientY);
    this.capture(e.pointerId);
    switch (this._tool) {
      case 'brush':
      case 'eraser': {
        const erase = this._tool === 'eraser' || e.button === 2;
        this.stroke = {
          points: [],
          base: mask.version,
          value: erase ? 0 : this.ctx.classId(),
          radius: this.ctx.radius(),
          changed: false,
        };
        this.extendStroke(p.x, p.y);
        break;
      }
      case 'fill':
        if (e.button === 0)
          this.perform({ kind: 'fill', x: p.x, y: p.y, value: this.ctx.classId() });
        break;
      case 'polygon':
        if (e.button !== 0) break;
        this.press = { x: e.clientX, y: e.clientY, lasso: false };
        if (this.polygon && this.polygon.length >= 6 && this.nearFirstVertex(e)) {
          this.press = undefined;
          this.closePolygon();
          break;
        }
        this.polygon = [...(this.polygon ?? []), p.x, p.y];
        this.drawOverlay(p);
        break;
    }
  }

  private move(e: PointerEvent): void {
    this.lastClient = { x: e.clientX, y: e.clientY };
    if (this.pan) {
      this.ctx.viewport.panBy(e.clientX - this.pan.x, e.clientY - this.pan.y);
      this.pan = { x: e.clientX, y: e.clientY };
      return;
    }
    const p = this.ctx.viewport.toImage(e.clientX, e.clientY);
    this.ctx.onHover(p.x, p.y);
    this.updateCursor();
    if (this.stroke) {
      const events = e.getCoalescedEvents?.() ?? [e];
      for (const ev of events.length ? events : [e]) {
        const q = this.ctx.viewport.toImage(ev.clientX, ev.clientY);
        this.extendStroke(q.x, q.y);
      }
    } else if (this.polygon) {
      const press = this.press;
      if (
        press &&
        !press.lasso &&
        Math.hypot(e.clientX - press.x, e.clientY - press.y) > LASSO_START_PX
      ) {
        press.lasso = true;
      }
      if (press?.lasso) this.polygon.push(p.x, p.y);
      this.drawOverlay(p);
    }
  }

  private up(e: PointerEvent): void {
    if (this.container.hasPointerCapture(e.pointerId))
      this.container.releasePointerCapture(e.pointerId);
    if (this.pan) {
      this.pan = undefined;
      this.updateCursor();
      return;
    }
    const stroke = this.stroke;
    this.stroke = undefined;
    if (stroke?.changed) {
      this.ctx.mask()?.commitPartial();
      this.ctx.sendEdit(
        { kind: 'stroke', points: stroke.points, radius: stroke.radius, value: stroke.value },
        stroke.base,
      );
    }
    if (this.press?.lasso) this.closePolygon();
    this.press = undefined;
  }

  private cancelPointer(): void {
    this.pan = undefined;
    const stroke = this.stroke;
    this.stroke = undefined;
    // What was drawn stays drawn: send it like a finished stroke.
    if (stroke?.changed) {
      this.ctx.mask()?.commitPartial();
      this.ctx.sendEdit(
        { kind: 'stroke', points: stroke.points, radius: stroke.radius, value: stroke.value },
        stroke.base,
      );
    }
  }

  private extendStroke(x: number, y: number): void {
    const stroke = this.stroke;
    const mask = this.ctx.mask();
    if (!stroke || !mask) return;
    const n = stroke.points.length;
    const last = n >= 2 ? [stroke.points[n - 2], stroke.points[n - 1]] : undefined;
    if (last && last[0] === x && last[1] === y) return;
    stroke.points.push(x, y);
    const segment = last ? [last[0], last[1], x, y] : [x, y];
    if (
      mask.applyPartial({
        kind: 'stroke',
        points: segment,
        radius: stroke.radius,
        value: stroke.value,
      })
    ) {
      stroke.changed = true;
    }
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    if (e.altKey) {
      const r = this.ctx.radius() * (e.deltaY < 0 ? 1.15 : 1 / 1.15);
      this.ctx.setRadius(Math.min(MAX_BRUSH_RADIUS, Math.max(MIN_BRUSH_RADIUS, r)));
      return;
    }
    // Line-mode wheels send ±3 per notch, pixel-mode trackpads small deltas: scale to match.
    const delta = e.deltaMode === 1 ? e.deltaY * 33 : e.deltaY;
    this.ctx.viewport.zoomAt(Math.exp(-delta * 0.0015), e.clientX, e.clientY);
    this.updateCursor();
  }

  private nearFirstVertex(e: PointerEvent): boolean {
    const poly = this.polygon;
    if (!poly) return false;
    const first = this.ctx.viewport.toClient(poly[0], poly[1]);
    return Math.hypot(first.x - e.clientX, first.y - e.clientY) <= CLOSE_PX;
  }

  private drawOverlay(hover?: { x: number; y: number }): void {
    const poly = this.polygon;
    if (!poly) {
      this.overlay.setAttribute('points', '');
      return;
    }
    const pts: string[] = [];
    for (let i = 0; i + 1 < poly.length; i += 2) pts.push(`${poly[i]},${poly[i + 1]}`);
    if (hover && !this.press?.lasso) pts.push(`${hover.x},${hover.y}`);
    this.overlay.setAttribute('points', pts.join(' '));
  }
}
