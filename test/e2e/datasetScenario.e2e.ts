/**
 * End to end, as a person would: open a dataset in VS Code (code-server, Chromium), pick a prompt
 * from the SegGPT Datasets view, run Apply Prompt to Folder from the palette, watch the progress
 * notification and the folder's count change. Screenshots go to test-results/e2e/dataset/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ensureTinyModel, writeSampleDataset } from '../../scripts/sampleDataset';
import { repoRoot } from '../harness/paths';
import { openWorkbench, runCommand, type Workbench } from './workbench';

const VAL_IMAGES = 150;

/** The SegGPT Datasets view's rows. */
function datasetRow(page: Page, text: string): Locator {
  return page
    .locator('.pane', { has: page.locator('.pane-header', { hasText: 'SegGPT Datasets' }) })
    .locator('.monaco-list-row', { hasText: text })
    .first();
}

describe('e2e: apply a prompt to a folder from the palette', function () {
  this.timeout(180_000);
  const folder = path.join(repoRoot(), 'test', 'workspaces', 'e2e-dataset');
  let wb: Workbench;

  before(async () => {
    await writeSampleDataset(folder, {
      folders: [
        { name: 'cells/train', images: 6, masked: 2 },
        // Larger pictures, so the job lasts long enough to watch its progress.
        { name: 'cells/val', images: VAL_IMAGES, size: [480, 360] },
      ],
      modelPath: await ensureTinyModel(),
      prompt: false,
    });
    wb = await openWorkbench('dataset', folder);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.screenshot('failed');
  });
  after(async () => wb?.close());

  it('shows the dataset with mask states and counts', async () => {
    const { page } = wb;
    // Give the dataset view the room: fold the file tree, open SegGPT Datasets.
    await page.locator('.pane-header', { hasText: 'e2e-dataset' }).first().click();
    await page.locator('.pane-header', { hasText: 'SegGPT Datasets' }).click();
    await datasetRow(page, 'cells/val').waitFor({ timeout: 60_000 });
    await assertRowText(datasetRow(page, 'cells/train'), '2/6');
    await assertRowText(datasetRow(page, 'cells/val'), `0/${VAL_IMAGES}`);
    await datasetRow(page, 'cells/train').click();
    await datasetRow(page, '01.png').waitFor();
    await assertRowText(datasetRow(page, '01.png'), 'edited mask');
    await assertRowText(datasetRow(page, '03.png'), 'no mask');
    await wb.screenshot('dataset-view');
  });

  it('picks a prompt from the tree', async () => {
    const { page } = wb;
    await datasetRow(page, '01.png').click({ button: 'right' });
    const use = page.getByRole('menuitem', { name: 'Use as Prompt' });
    await use.waitFor();
    await use.hover();
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: 'train · 1' }).waitFor();
    await assertRowText(datasetRow(page, '01.png'), 'prompt · edited mask');
    await wb.screenshot('prompt-chosen');
    const prompts = JSON.parse(
      fs.readFileSync(path.join(folder, '.seggpt', 'prompts.json'), 'utf8'),
    );
    assert.equal(prompts.active, 'train');
    assert.deepEqual(prompts.sets[0].pairs, [
      { image: 'cells/train/01.png', mask: 'cells/train/01_mask.png' },
    ]);
  });

  it('applies the prompt to a folder from the palette, with progress, and the count changes', async () => {
    const { page } = wb;
    await runCommand(page, 'SegGPT: Apply Prompt to Folder…');
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'cells/val' });
    await pick.waitFor();
    await wb.screenshot('folder-pick');
    // Tick the folder; the list may still be settling, so click until the count says so.
    const selected = page.locator('.quick-input-widget', { hasText: '1 Selected' });
    for (let attempt = 0; ; attempt++) {
      await pick.locator('.monaco-checkbox').first().click();
      try {
        await selected.waitFor({ timeout: 2000 });
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
    await page.locator('.quick-input-widget').getByRole('button', { name: 'OK' }).click();
    // A progress line with work done: "37/150 · 14 img/s · 8 s left".
    const toast = page.locator('.notification-toast', {
      hasText: new RegExp(`[1-9]\\d*/${VAL_IMAGES} · `),
    });
    await toast.waitFor({ timeout: 60_000 });
    await wb.screenshot('progress');
    const summary = page.locator('.notification-toast', { hasText: 'masks written' });
    await summary.waitFor({ timeout: 120_000 });
    await assertRowText(datasetRow(page, 'cells/val'), `${VAL_IMAGES}/${VAL_IMAGES}`);
    await wb.screenshot('done');
    const masks = fs
      .readdirSync(path.join(folder, 'cells', 'val'))
      .filter((f) => f.endsWith('_mask.png'));
    assert.equal(masks.length, VAL_IMAGES);
    assert.match((await summary.textContent()) ?? '', new RegExp(`${VAL_IMAGES} masks written`));
  });

  it('asks before replacing a mask a person edited, and keeps it when told no', async () => {
    const { page } = wb;
    const mask = path.join(folder, 'cells', 'train', '02_mask.png');
    const before = fs.readFileSync(mask);
    await datasetRow(page, '02.png').click({ button: 'right' });
    const segment = page.getByRole('menuitem', { name: 'Segment Image with Current Prompt' });
    await segment.waitFor();
    await segment.hover();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'edited by a person' });
    await dialog.waitFor({ timeout: 30_000 });
    await wb.screenshot('confirm-replace');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual(fs.readFileSync(mask), before, 'the edited mask is untouched');
    await assertRowText(datasetRow(page, '02.png'), 'edited mask');
  });
});

/** Waits until the row's text contains `text` (the tree updates asynchronously). */
async function assertRowText(row: Locator, text: string): Promise<void> {
  await row.filter({ hasText: text }).waitFor({ timeout: 30_000 });
}
