/** Driving the code-server workbench and the mask editor's webview with Playwright. */
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { runCommand } from './workbench';

/** The mask editor webview's inner frame (the visible one). */
export function editorFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}

/**
 * Right-clicks a file in the explorer until the menu holds `item` (the extension's menu entries
 * appear once it is loaded) and returns that item.
 */
export async function explorerMenuItem(page: Page, file: string, item: string): Promise<Locator> {
  const row = page.getByRole('treeitem', { name: file, exact: true });
  const entry = page.getByRole('menuitem', { name: item });
  for (let attempt = 0; ; attempt++) {
    await row.click({ button: 'right' });
    try {
      await entry.waitFor({ timeout: 3000 });
      return entry;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (attempt >= 10) throw err;
    }
  }
}

/** Picks a context menu item: hover it (the workbench focuses it), then Enter. */
export async function pickMenuItem(page: Page, entry: Locator): Promise<void> {
  await entry.hover();
  await page.keyboard.press('Enter');
}

/** Right-clicks a file in the explorer and picks a menu item. */
export async function explorerMenu(page: Page, file: string, item: string): Promise<void> {
  await pickMenuItem(page, await explorerMenuItem(page, file, item));
}

/** Milestones of opening an editor, in ms after the menu click. */
export interface OpenTimings {
  /** Until the mask and the image are both on screen. */
  readonly shownMs: number;
  /** The host's own time to open the document (image header, mask file). */
  readonly hostOpenMs: number;
  /** When the webview page started loading. */
  readonly pageStartMs: number;
  /** When the webview's script ran and asked the host for the document. */
  readonly readySentMs: number;
  /** When the webview had its Init message (mask bytes included). */
  readonly initMs: number;
  /** When the mask was drawn. */
  readonly maskShownMs: number;
  /** When the image was decoded and drawn. */
  readonly imageShownMs: number;
}

/**
 * Opens an image with the mask editor from the explorer's menu; resolves with the milestones
 * from the click until the webview shows the mask and the image.
 */
export async function openInMaskEditor(page: Page, file: string): Promise<OpenTimings> {
  const item = await explorerMenuItem(page, file, 'Open in SegGPT Mask Editor');
  await item.hover();
  const started = Date.now();
  await page.keyboard.press('Enter');
  const app = editorFrame(page).locator(
    '#app[data-state="ready"][data-image-loaded="true"][data-mask-at]',
  );
  await app.waitFor({ timeout: 90_000 });
  const shownMs = Date.now() - started;
  const at = async (name: string) => Number(await app.getAttribute(`data-${name}`));
  const pageStartMs = (await at('origin')) - started;
  return {
    shownMs,
    hostOpenMs: await at('host-open-ms'),
    pageStartMs,
    readySentMs: pageStartMs + (await at('ready-at')),
    initMs: pageStartMs + (await at('init-at')),
    maskShownMs: pageStartMs + (await at('mask-at')),
    imageShownMs: pageStartMs + (await at('image-at')),
  };
}

/**
 * Baseline: opens an image with VS Code's built-in image preview (a single click in the explorer)
 * and resolves with the milliseconds until its image is loaded, polled the same way as ours.
 */
export async function openInImagePreview(page: Page, file: string): Promise<number> {
  const row = page.getByRole('treeitem', { name: file, exact: true });
  const started = Date.now();
  await row.click();
  const img = editorFrame(page).locator('img');
  await img.waitFor({ timeout: 30_000 });
  await img.evaluate((el) => (el as unknown as { decode(): Promise<void> }).decode());
  return Date.now() - started;
}

/** Closes the active editor, dropping its unsaved changes. */
export async function closeEditor(page: Page): Promise<void> {
  await runCommand(page, 'View: Revert and Close Editor');
  await page.waitForTimeout(300);
}

/** Page coordinates of an image pixel position in the editor's stage. */
export async function imagePoint(
  page: Page,
  x: number,
  y: number,
  imageWidth: number,
): Promise<{ x: number; y: number }> {
  const box = await editorFrame(page).locator('.stage').boundingBox();
  if (!box) throw new Error('the editor stage is not visible');
  const scale = box.width / imageWidth;
  return { x: box.x + x * scale, y: box.y + y * scale };
}
