/**
 * End to end, as a person would: the mask editor in VS Code (code-server, headless Chromium).
 * Opens a 4000×3000 image with its mask (timings from the click to the mask and image on
 * screen, and the built-in image preview's for comparison), times strokes drawn in the webview,
 * then on a small image draws a stroke with the mouse, picks a prompt from the explorer's menu,
 * runs the tiny model, accepts the proposal for the unlabeled pixels, saves with Ctrl+S and
 * checks the saved mask. Screenshots and timings go to test-results/e2e/editor/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMaskPng } from '../../src/engine/maskFile';
import { PROVENANCE_KEYS } from '../../src/engine/provenance';
import { ensureTinyModel } from '../../scripts/sampleDataset';
import { repoRoot, resultsDir } from '../harness/paths';
import { writePaletteMask, writeSceneImage, type Scene } from '../support/syntheticImages';
import { probeStroke, type StrokeProbe } from './editorProbe';
import {
  closeEditor,
  editorFrame,
  explorerMenu,
  imagePoint,
  openInImagePreview,
  openInMaskEditor,
  type OpenTimings,
} from './editorWorkbench';
import { openWorkbench, type Workbench } from './workbench';

const BIG: Scene = {
  width: 4000,
  height: 3000,
  discs: [
    { cx: 1300, cy: 1400, r: 700, id: 1 },
    { cx: 2900, cy: 1700, r: 500, id: 2, colour: [40, 60, 220] },
  ],
};
const SMALL: Scene = { width: 320, height: 240, discs: [{ cx: 200, cy: 130, r: 60, id: 1 }] };
const STROKE_CLASS = 3;
/** The stroke, in image pixels: it crosses the top of the picture, away from the disc. */
const STROKE = [
  [30, 40],
  [150, 60],
  [290, 50],
] as const;

/** The scenario's folder: images, masks, settings pointing at the tiny model; ignored by git. */
async function writeWorkspace(folder: string): Promise<void> {
  fs.rmSync(folder, { recursive: true, force: true });
  await writeSceneImage(path.join(folder, 'big.jpg'), BIG);
  await writePaletteMask(path.join(folder, 'big_mask.png'), BIG);
  await writeSceneImage(path.join(folder, 'photo.png'), SMALL);
  await writeSceneImage(path.join(folder, 'prompt.png'), SMALL);
  await writePaletteMask(path.join(folder, 'prompt_mask.png'), SMALL);
  fs.writeFileSync(path.join(folder, '.gitignore'), '*\n');
  fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
  const settings = {
    'seggpt.modelPath': await ensureTinyModel(),
    'seggpt.executionProvider': 'cpu',
    'files.autoSave': 'off', // VS Code for the web saves after a delay by default
  };
  fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify(settings));
}

describe('e2e: fix a mask in the mask editor', function () {
  this.timeout(180_000);
  const folder = path.join(repoRoot(), 'test', 'workspaces', 'e2e-editor');
  const timings: Record<string, unknown> = {};
  let wb: Workbench;

  before(async () => {
    await writeWorkspace(folder);
    wb = await openWorkbench('editor', folder);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.screenshot('failed');
  });
  after(async () => {
    const out = resultsDir('e2e', 'editor', 'timings.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(timings, null, 2));
    await wb?.close();
  });

  it('opens a 4000×3000 image with its mask', async () => {
    const opens: OpenTimings[] = [];
    for (let i = 0; i < 3; i++) {
      opens.push(await openInMaskEditor(wb.page, 'big.jpg'));
      if (i === 0) await wb.screenshot('big-open');
      if (i < 2) await closeEditor(wb.page);
    }
    timings.maskEditorOpens = opens;
    for (const t of opens) console.log(`      ${JSON.stringify(t)}`);
    const status = await editorFrame(wb.page).locator('.status .file').textContent();
    assert.match(status ?? '', /4000×3000 · mask big_mask\.png/);
  });

  it('draws strokes on the 4000×3000 mask at once, in the webview', async () => {
    const probes: StrokeProbe[] = [];
    for (let i = 0; i < 5; i++)
      probes.push(await probeStroke(editorFrame(wb.page).locator('.viewport')));
    timings.strokeProbes = probes;
    console.log(
      `      stroke on screen after ${probes.map((p) => p.paintedMs.toFixed(1)).join(', ')} ms`,
    );
    assert.ok(
      probes.every((p) => p.painted),
      'every probe stroke is on the mask canvas',
    );
    await wb.screenshot('big-strokes');
    await closeEditor(wb.page);
  });

  it('shows the same image in VS Code’s image preview (baseline timing)', async () => {
    const previews: number[] = [];
    for (let i = 0; i < 2; i++) {
      previews.push(await openInImagePreview(wb.page, 'big.jpg'));
      await closeEditor(wb.page);
    }
    timings.builtInPreviewOpensMs = previews;
    console.log(`      image preview shown after ${previews.join(', ')} ms`);
  });

  it('draws a stroke with the mouse', async () => {
    const { page } = wb;
    await openInMaskEditor(page, 'photo.png');
    const frame = editorFrame(page);
    await frame.locator('.viewport').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press(String(STROKE_CLASS));
    for (let i = 0; i < 3; i++) await page.keyboard.press(']');
    const points = await Promise.all(STROKE.map(([x, y]) => imagePoint(page, x, y, SMALL.width)));
    await page.mouse.move(points[0].x, points[0].y);
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(p.x, p.y, { steps: 12 });
    await page.mouse.up();
    await page.locator('.tab.active.dirty').waitFor();
    await wb.screenshot('stroke');
  });

  it('runs the model with a prompt picked in the explorer, and accepts the proposal', async () => {
    const { page } = wb;
    const frame = editorFrame(page);
    await explorerMenu(page, 'prompt.png', 'Add to Mask Editor Prompt');
    await frame.locator('.pairs li', { hasText: 'prompt.png' }).waitFor();
    await frame.locator('vscode-button', { hasText: 'Run SegGPT' }).click();
    await frame.locator('.prompt-panel .proposal:not([hidden])').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(300); // let the webview's frame reach the screen
    await wb.screenshot('proposal');
    await frame.locator('vscode-button', { hasText: 'Fill unlabeled' }).click();
    await frame.locator('.prompt-panel .proposal[hidden]').waitFor({ state: 'attached' });
    await page.waitForTimeout(300);
    await wb.screenshot('accepted');
  });

  it('saves with Ctrl+S: the mask has the stroke and is marked as a person’s work', async () => {
    const { page } = wb;
    await editorFrame(page).locator('.viewport').focus();
    await page.keyboard.press('Control+s');
    await page.locator('.tab.active:not(.dirty)').waitFor();
    await wb.screenshot('saved');
    const saved = await readMaskPng(path.join(folder, 'photo_mask.png'));
    assert.equal(saved.width, SMALL.width);
    assert.equal(saved.height, SMALL.height);
    assert.equal(saved.text[PROVENANCE_KEYS.source], 'human');
    for (const [x, y] of STROKE) {
      assert.equal(saved.classes[y * SMALL.width + x], STROKE_CLASS, `stroke pixel (${x}, ${y})`);
    }
    const stroked = saved.classes.filter((v) => v === STROKE_CLASS).length;
    assert.ok(stroked > 300, `the stroke covers ${stroked} pixels`);
    timings.proposalPixelsAccepted = saved.classes.filter(
      (v) => v !== 0 && v !== STROKE_CLASS,
    ).length;
  });

  it('keeps zoom and tool when the editor is hidden and shown again', async () => {
    const { page } = wb;
    const frame = editorFrame(page);
    await frame.locator('.viewport').focus();
    await page.keyboard.press('+');
    await page.keyboard.press('f'); // flood fill tool
    const zoom = await frame.locator('.zoom-label').textContent();
    // Another editor in the same group hides this one: its webview page is gone until shown.
    await page.getByRole('treeitem', { name: 'prompt.png', exact: true }).dblclick();
    await page.locator('.tab.active', { hasText: 'prompt.png' }).waitFor();
    await page.locator('.tab', { hasText: 'photo.png' }).click();
    await frame.locator('#app[data-state="ready"]').waitFor({ timeout: 90_000 });
    assert.equal(await frame.locator('.zoom-label').textContent(), zoom);
    assert.equal(await frame.locator('.viewport').getAttribute('data-tool'), 'fill');
    await wb.screenshot('shown-again');
  });
});
