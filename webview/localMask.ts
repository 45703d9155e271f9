/**
 * The webview's copy of the mask. Tools change it at once (nothing waits on the host); the host
 * replays the same operation on its copy. `version` follows the host's count of changes.
 */
import { applyOp, type EditOp } from '../src/protocol/editOps';
import { unionRect, writeRect, type MaskBuffer, type Rect } from '../src/protocol/maskBuffer';

/** Called with the area to redraw. */
export type RedrawListener = (rect: Rect | undefined) => void;

/** The local mask and its version. */
export class LocalMask {
  private mask: MaskBuffer;
  private _version: number;
  private readonly listeners = new Set<RedrawListener>();
  private pendingRect: Rect | undefined;
  private pendingAll = false;
  private frame = 0;

  constructor(width: number, height: number, data: Uint8Array, version: number) {
    this.mask = { width, height, data };
    this._version = version;
  }

  /** The mask (do not mutate; use apply). */
  get buffer(): MaskBuffer {
    return this.mask;
  }

  /** The host version this copy corresponds to. */
  get version(): number {
    return this._version;
  }

  /** Class id at a pixel, or undefined outside the mask. */
  at(x: number, y: number): number | undefined {
    const { width, height, data } = this.mask;
    if (x < 0 || y < 0 || x >= width || y >= height) return undefined;
    return data[y * width + x];
  }

  /** Applies a tool operation locally; returns whether anything changed (then version + 1). */
  apply(op: EditOp): boolean {
    const patch = applyOp(this.mask, op);
    if (!patch) return false;
    this._version++;
    this.invalidate(patch.rect);
    return true;
  }

  /** Applies a part of a stroke while drawing (the version moves once, when the stroke ends). */
  applyPartial(op: EditOp): boolean {
    const patch = applyOp(this.mask, op);
    if (patch) this.invalidate(patch.rect);
    return patch !== undefined;
  }

  /** A stroke drawn with applyPartial ended with changes: count it as one version. */
  commitPartial(): void {
    this._version++;
  }

  /** Sets a rectangle from the host (undo, redo, accepted proposal, other views). */
  write(rect: Rect, values: Uint8Array, version: number): void {
    writeRect(this.mask, rect, values);
    this._version = version;
    this.invalidate(rect);
  }

  /** Replaces the whole mask from the host. */
  replace(width: number, height: number, data: Uint8Array, version: number): void {
    this.mask = { width, height, data };
    this._version = version;
    this.invalidate(undefined);
  }

  /** Listens for areas to redraw (undefined: everything); batched once per animation frame. */
  onRedraw(listener: RedrawListener): void {
    this.listeners.add(listener);
  }

  private invalidate(rect: Rect | undefined): void {
    if (rect) this.pendingRect = unionRect(this.pendingRect, rect);
    else this.pendingAll = true;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => this.flush());
  }

  /** Redraws what changed now (also called by requestAnimationFrame). */
  flush(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const rect = this.pendingAll ? undefined : this.pendingRect;
    const any = this.pendingAll || this.pendingRect !== undefined;
    this.pendingAll = false;
    this.pendingRect = undefined;
    if (any) for (const l of this.listeners) l(rect);
  }
}
