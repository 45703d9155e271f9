/**
 * Measures, inside the mask editor's webview, how long a stroke takes to appear: synthetic
 * pointer events go to the editor's viewport and the mask canvas is read back after the next
 * frames. Nothing here waits on the extension host.
 */
import type { Locator } from 'playwright-core';

/** Timings of one probe stroke, in milliseconds from the first pointer event. */
export interface StrokeProbe {
  /** Time spent in the pointer handlers for the whole stroke (down, 20 moves, up). */
  readonly handlersMs: number;
  /** Slowest single pointermove handler. */
  readonly maxMoveMs: number;
  /** Until the frame after the stroke, when the canvas shows it. */
  readonly paintedMs: number;
  /** Whether the mask canvas holds colour under the stroke afterwards. */
  readonly painted: boolean;
}

// Runs in the webview (a browser, whose DOM types this Node program does not have): kept as
// source text and evaluated there by Playwright.
const PROBE = `(el) => new Promise((resolve) => {
  const box = el.getBoundingClientRect();
  const stage = el.querySelector('.stage');
  const canvas = el.querySelector('canvas.mask-layer');
  const y = box.top + box.height * 0.75;
  const x0 = box.left + box.width * 0.25;
  const event = (type, x) => new PointerEvent(type, {
    clientX: x, clientY: y, pointerId: 41, pointerType: 'mouse', isPrimary: true,
    button: 0, buttons: type === 'pointerup' ? 0 : 1, bubbles: true,
  });
  const start = performance.now();
  el.dispatchEvent(event('pointerdown', x0));
  let maxMoveMs = 0;
  for (let i = 1; i <= 20; i++) {
    const t = performance.now();
    el.dispatchEvent(event('pointermove', x0 + i * 6));
    maxMoveMs = Math.max(maxMoveMs, performance.now() - t);
  }
  el.dispatchEvent(event('pointerup', x0 + 120));
  const handlersMs = performance.now() - start;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const paintedMs = performance.now() - start;
    const s = stage.getBoundingClientRect();
    const scale = s.width / canvas.width;
    const px = Math.floor((x0 + 60 - s.left) / scale);
    const py = Math.floor((y - s.top) / scale);
    const alpha = canvas.getContext('2d').getImageData(px, py, 1, 1).data[3];
    resolve({ handlersMs, maxMoveMs, paintedMs, painted: alpha > 0 });
  }));
})`;

/** Draws a horizontal stroke across the lower middle of the viewport and times it. */
export async function probeStroke(viewport: Locator): Promise<StrokeProbe> {
  const run = new Function('el', `return (${PROBE})(el);`) as (el: unknown) => Promise<StrokeProbe>;
  return viewport.evaluate(run);
}
