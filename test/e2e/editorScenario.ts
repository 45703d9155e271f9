/**
 * End-to-end: the mask editor in code-server, driven like a person in headless Chromium.
 * Opens a 4000×3000 image (timing until its mask shows), probes stroke latency, then on a small
 * image draws a stroke with the mouse, prompts with an example through the explorer's menu, runs
 * the tiny model, accepts the proposal (unlabeled pixels only), saves, and checks the saved mask.
 * Screenshots and timings go to test-results/e2e/. `node out/test/e2e/editorScenario.js`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../src/engine/config';
import { convertModel } from '../../src/engine/convert';
import { readMaskPng } from '../../src/engine/maskFile';
import { PROVENANCE_KEYS } from '../../src/engine/provenance';
import { RandomWeights } from '../../src/engine/randomWeights';
import { launchChromium } from '../harness/browser';
import { startCodeServer } from '../harness/codeServer';
import { cacheDir, repoRoot, resultsDir } from '../harness/paths';
import { fixturePath } from '../support/fixtures';
import { writePaletteMask, writeSceneImage, type Scene } from '../support/syntheticImages';
import { probeStroke, type StrokeProbe } from './editorProbe';
import {
  closeEditors,
  editorFrame,
  explorerMenu,
  imagePoint,
  openInImagePreview,
  openInMaskEditor,
  type OpenTimings,
  waitForWorkbench,
} from './editorWorkbench';

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
const STROKE = [
  [30, 40],
  [150, 60],
  [290, 50],
] as const;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`  ok  ${what}`);
}

async function makeWorkspace(work: string): Promise<string> {
  const ws = path.join(work, 'workspace');
  fs.rmSync(work, { recursive: true, force: true });
  await writeSceneImage(path.join(ws, 'big.jpg'), BIG);
  await writePaletteMask(path.join(ws, 'big_mask.png'), BIG);
  await writeSceneImage(path.join(ws, 'photo.png'), SMALL);
  await writeSceneImage(path.join(ws, 'prompt.png'), SMALL);
  await writePaletteMask(path.join(ws, 'prompt_mask.png'), SMALL);
  const config = parseConfig(JSON.parse(fs.readFileSync(fixturePath('config.json'), 'utf8')));
  const model = await convertModel({
    config,
    weights: new RandomWeights(config, 3),
    outPath: path.join(work, 'model', 'tiny.onnx'),
    precision: 'fp32',
  });
  const settings = {
    'seggpt.modelPath': model.modelPath,
    'seggpt.executionProvider': 'cpu',
    'files.autoSave': 'off',
  };
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  const user = path.join(work, 'user-data', 'User');
  fs.mkdirSync(user, { recursive: true });
  fs.writeFileSync(
    path.join(user, 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'files.autoSave': 'off',
    }),
  );
  return ws;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const extension = process.env.SEGGPT_E2E_EXTENSION ?? root;
  const work = cacheDir('e2e', 'editor');
  const shots = resultsDir('e2e');
  fs.mkdirSync(shots, { recursive: true });
  const ws = await makeWorkspace(work);
  const server = await startCodeServer({
    userDataDir: path.join(work, 'user-data'),
    extensionsDir: path.join(work, 'extensions'),
    scratchDir: path.join(work, 'tmp'),
  });
  const browser = await launchChromium();
  const timings: Record<string, unknown> = {};
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
    const payload: [string, string][] = [
      [
        'extensionDevelopmentPath',
        `vscode-remote://127.0.0.1:${server.port}${path.resolve(extension)}`,
      ],
    ];
    await page.goto(server.folderUrl(ws, payload));
    await waitForWorkbench(page);
    const shot = (name: string) =>
      page.screenshot({ path: path.join(shots, `editor-${name}.png`) });

    console.log('4000×3000 image with its mask in the mask editor:');
    const opens: OpenTimings[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await openInMaskEditor(page, 'big.jpg');
      opens.push(t);
      console.log(`  open ${i + 1}: ${JSON.stringify(t)}`);
      if (i === 0) await shot('big-open');
      if (i < 2) await closeEditors(page);
    }
    timings.bigOpens = opens;
    const probes: StrokeProbe[] = [];
    for (let i = 0; i < 5; i++)
      probes.push(await probeStroke(editorFrame(page).locator('.viewport')));
    timings.bigStrokeProbes = probes;
    check(
      probes.every((p) => p.painted),
      'probe strokes show on the 4000×3000 mask canvas',
    );
    console.log(`  stroke shown after ${probes.map((p) => p.paintedMs.toFixed(1)).join(', ')} ms`);
    await shot('big-strokes');
    await closeEditors(page);

    console.log('4000×3000 image in VS Code’s own image preview (baseline):');
    const previews: number[] = [];
    for (let i = 0; i < 2; i++) {
      previews.push(await openInImagePreview(page, 'big.jpg'));
      await closeEditors(page);
    }
    timings.builtInPreviewOpensMs = previews;
    console.log(`  shown after ${previews.join(', ')} ms (polled)`);
    console.log('scenario on photo.png:');
    await openInMaskEditor(page, 'photo.png');
    const frame = editorFrame(page);
    await frame.locator('.viewport').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press(String(STROKE_CLASS));
    for (let i = 0; i < 3; i++) await page.keyboard.press(']');
    const [first, ...rest] = await Promise.all(
      STROKE.map(([x, y]) => imagePoint(page, x, y, SMALL.width)),
    );
    await page.mouse.move(first.x, first.y);
    await page.mouse.down();
    for (const p of rest) await page.mouse.move(p.x, p.y, { steps: 12 });
    await page.mouse.up();
    await shot('stroke');

    await explorerMenu(page, 'prompt.png', 'Use as SegGPT Prompt');
    await frame.locator('.pairs li', { hasText: 'prompt.png' }).waitFor();
    await frame.locator('vscode-button', { hasText: 'Run SegGPT' }).click();
    await frame.locator('.prompt-panel .proposal:not([hidden])').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(300); // let the webview's frame reach the screen
    await shot('proposal');
    await frame.locator('vscode-button', { hasText: 'Fill unlabeled' }).click();
    await frame.locator('.prompt-panel .proposal[hidden]').waitFor({ state: 'attached' });
    await page.waitForTimeout(300);
    await shot('accepted');

    await frame.locator('.viewport').click({ position: { x: 5, y: 5 }, modifiers: [] });
    await page.keyboard.press('Control+s');
    const maskPath = path.join(ws, 'photo_mask.png');
    for (let i = 0; i < 100 && !fs.existsSync(maskPath); i++) await page.waitForTimeout(100);
    await page.waitForTimeout(300);
    await shot('saved');
    check(fs.existsSync(maskPath), 'Ctrl+S wrote photo_mask.png');
    const saved = await readMaskPng(maskPath);
    check(
      saved.width === SMALL.width && saved.height === SMALL.height,
      'the mask has the image’s size',
    );
    check(saved.text[PROVENANCE_KEYS.source] === 'human', 'the mask is marked as a person’s work');
    for (const [x, y] of STROKE) {
      check(
        saved.classes[y * SMALL.width + x] === STROKE_CLASS,
        `stroke pixel (${x}, ${y}) is class ${STROKE_CLASS}`,
      );
    }
    const stroked = saved.classes.filter((v) => v === STROKE_CLASS).length;
    check(stroked > 300, `the stroke covers ${stroked} pixels`);
    const proposed = saved.classes.filter((v) => v !== 0 && v !== STROKE_CLASS).length;
    timings.proposalPixelsAccepted = proposed;
    console.log(`  ${proposed} pixels labelled by the accepted proposal`);
  } catch (err) {
    await page.screenshot({ path: path.join(shots, 'editor-failure.png') }).catch(() => undefined);
    throw err;
  } finally {
    fs.writeFileSync(path.join(shots, 'editor-timings.json'), JSON.stringify(timings, null, 2));
    await browser.close();
    await server.stop();
  }
}

main().then(
  () => {
    console.log('editor e2e: passed');
    process.exit(0);
  },
  (err: unknown) => {
    console.error(
      `editor e2e: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exit(1);
  },
);
