/**
 * Draws a class-id map on a canvas at image resolution: each class in its palette colour, class 0
 * transparent. Outline mode keeps only pixels next to another class. Only the changed rectangle
 * is converted and uploaded, so a brush dab costs a few hundred pixels, not the whole image.
 */
import type { MaskBuffer, Rect } from '../src/protocol/maskBuffer';
import { forEachRun } from '../src/protocol/maskCodec';

/** Fill every labelled pixel, only the borders between classes, or borders over a faint fill. */
export type LabelStyle = 'fill' | 'outline' | 'proposal';

/** A canvas showing one class map. */
export class LabelCanvas {
  readonly element: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private image: ImageData | undefined;
  private pixels: Uint32Array | undefined;
  private colours = new Uint32Array(256);
  private faint = new Uint32Array(256);
  private _style: LabelStyle = 'fill';

  constructor(className: string) {
    this.element = document.createElement('canvas');
    this.element.className = className;
    const ctx = this.element.getContext('2d', { willReadFrequently: false });
    if (!ctx) throw new Error('this webview cannot draw on a canvas');
    this.ctx = ctx;
  }

  /** Sets the class colours from 256 RGB triplets; `alpha` applies to every non-zero class. */
  setPalette(palette: Uint8Array, alpha = 255): void {
    // ImageData is RGBA in memory; a Uint32 view reads it as little-endian ABGR.
    for (let id = 0; id < 256; id++) {
      const r = palette[id * 3] ?? 0;
      const g = palette[id * 3 + 1] ?? 0;
      const b = palette[id * 3 + 2] ?? 0;
      this.colours[id] = id === 0 ? 0 : ((alpha << 24) | (b << 16) | (g << 8) | r) >>> 0;
      this.faint[id] =
        id === 0 ? 0 : ((Math.round(alpha * 0.35) << 24) | (b << 16) | (g << 8) | r) >>> 0;
    }
  }

  /** Fill or outline. */
  get style(): LabelStyle {
    return this._style;
  }

  set style(style: LabelStyle) {
    this._style = style;
  }

  /** Sizes the canvas to the map (clearing it). */
  resize(width: number, height: number): void {
    if (this.element.width === width && this.element.height === height && this.image) return;
    this.element.width = width;
    this.element.height = height;
    this.image = this.ctx.createImageData(width, height);
    this.pixels = new Uint32Array(this.image.data.buffer);
  }

  /** Clears everything. */
  clear(): void {
    this.pixels?.fill(0);
    this.ctx.clearRect(0, 0, this.element.width, this.element.height);
  }

  /**
   * Draws a whole map from its packed form (packMask) run by run, much faster than pixel by
   * pixel for a fresh 12-megapixel mask. Returns false (drawing nothing) in outline style or for
   * a map that was packed raw; draw() it then.
   */
  drawPacked(packed: ArrayBuffer, width: number, height: number): boolean {
    if (this._style !== 'fill') return false;
    this.resize(width, height);
    const pixels = this.pixels as Uint32Array;
    const colours = this.colours;
    const drawn = forEachRun(packed, width * height, (value, start, count) =>
      pixels.fill(colours[value], start, start + count),
    );
    if (drawn) this.ctx.putImageData(this.image as ImageData, 0, 0);
    return drawn;
  }

  /** Redraws `rect` of `map` (all of it when undefined). */
  draw(map: MaskBuffer, rect?: Rect): void {
    this.resize(map.width, map.height);
    const image = this.image as ImageData;
    const pixels = this.pixels as Uint32Array;
    const { width, height, data } = map;
    // Outlines depend on neighbours: redraw one pixel more on every side.
    const grow = this._style === 'fill' ? 0 : 1;
    const x0 = Math.max(0, (rect?.x ?? 0) - grow);
    const y0 = Math.max(0, (rect?.y ?? 0) - grow);
    const x1 = Math.min(width, rect ? rect.x + rect.w + grow : width);
    const y1 = Math.min(height, rect ? rect.y + rect.h + grow : height);
    const colours = this.colours;
    const inner = this._style === 'proposal' ? this.faint : undefined;
    if (this._style === 'fill') {
      for (let y = y0; y < y1; y++) {
        for (let i = y * width + x0, end = y * width + x1; i < end; i++)
          pixels[i] = colours[data[i]];
      }
    } else {
      for (let y = y0; y < y1; y++) {
        for (let x = x0, i = y * width + x0; x < x1; x++, i++) {
          const v = data[i];
          const edge =
            v !== 0 &&
            ((x > 0 && data[i - 1] !== v) ||
              (x + 1 < width && data[i + 1] !== v) ||
              (y > 0 && data[i - width] !== v) ||
              (y + 1 < height && data[i + width] !== v) ||
              x === 0 ||
              y === 0 ||
              x + 1 === width ||
              y + 1 === height);
          pixels[i] = edge ? colours[v] : inner ? inner[v] : 0;
        }
      }
    }
    if (x1 > x0 && y1 > y0) this.ctx.putImageData(image, 0, 0, x0, y0, x1 - x0, y1 - y0);
  }
}
