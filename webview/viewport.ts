/**
 * Zoom and pan: the stage (image and layers, at image resolution) is placed in its container
 * with one CSS transform, so the browser scales it on the GPU and no layer is redrawn on zoom.
 */

/** Limits of the zoom factor (screen pixels per image pixel). */
const MIN_ZOOM = 0.01;
const MAX_ZOOM = 64;

/** Zoom, pan and coordinate conversion for one stage. */
export class Viewport {
  private _zoom = 1;
  private panX = 0;
  private panY = 0;
  private width = 1;
  private height = 1;

  constructor(
    private readonly container: HTMLElement,
    private readonly stage: HTMLElement,
    private readonly onChange: (zoom: number, panX: number, panY: number) => void,
  ) {}

  /** Screen pixels per image pixel. */
  get zoom(): number {
    return this._zoom;
  }

  /** Sets the image size the stage holds. */
  setImageSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.stage.style.width = `${width}px`;
    this.stage.style.height = `${height}px`;
  }

  /** Restores a saved view. */
  restore(zoom: number, panX: number, panY: number): void {
    this._zoom = clamp(zoom, MIN_ZOOM, MAX_ZOOM);
    this.panX = panX;
    this.panY = panY;
    this.apply();
  }

  /** Shows the whole image, centred, no larger than 100 % unless it is tiny. */
  fit(): void {
    const { clientWidth: cw, clientHeight: ch } = this.container;
    const scale = Math.min((cw - 16) / this.width, (ch - 16) / this.height);
    this._zoom = clamp(
      Number.isFinite(scale) && scale > 0 ? Math.min(scale, 8) : 1,
      MIN_ZOOM,
      MAX_ZOOM,
    );
    this.panX = (cw - this.width * this._zoom) / 2;
    this.panY = (ch - this.height * this._zoom) / 2;
    this.apply();
  }

  /** Multiplies the zoom, keeping the image point under (clientX, clientY) in place. */
  zoomAt(factor: number, clientX?: number, clientY?: number): void {
    const box = this.container.getBoundingClientRect();
    const sx = (clientX ?? box.left + box.width / 2) - box.left;
    const sy = (clientY ?? box.top + box.height / 2) - box.top;
    const next = clamp(this._zoom * factor, MIN_ZOOM, MAX_ZOOM);
    const ix = (sx - this.panX) / this._zoom;
    const iy = (sy - this.panY) / this._zoom;
    this._zoom = next;
    this.panX = sx - ix * next;
    this.panY = sy - iy * next;
    this.apply();
  }

  /** Moves the image by screen pixels. */
  panBy(dx: number, dy: number): void {
    this.panX += dx;
    this.panY += dy;
    this.apply();
  }

  /** Image coordinates (fractional pixels) under a client point. */
  toImage(clientX: number, clientY: number): { x: number; y: number } {
    const box = this.container.getBoundingClientRect();
    return {
      x: (clientX - box.left - this.panX) / this._zoom,
      y: (clientY - box.top - this.panY) / this._zoom,
    };
  }

  /** Client coordinates of an image point. */
  toClient(x: number, y: number): { x: number; y: number } {
    const box = this.container.getBoundingClientRect();
    return { x: box.left + this.panX + x * this._zoom, y: box.top + this.panY + y * this._zoom };
  }

  private apply(): void {
    this.stage.style.transform = `translate(${this.panX}px, ${this.panY}px) scale(${this._zoom})`;
    // Past 2× the pixels are what the user edits: show them as squares, not blurred.
    this.container.classList.toggle('pixelated', this._zoom >= 2);
    this.onChange(this._zoom, this.panX, this.panY);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
