/**
 * The dataset explorer on a generated tree of 100k images: first listing (scan + folder counts),
 * opening folders (mask sources read cold, then cached), and refreshes after file events (one
 * mask, then a burst of 1000 as a batch job writes them). Measures the model the tree view
 * renders from (no VS Code needed).
 *
 * As a bench section: `explorerSection` (name "explorer"); alone: `node out/bench/explorerBench.js`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetModel } from '../src/dataset/datasetModel';
import { encodeMaskPng } from '../src/engine/maskFile';
import { DEFAULT_MASK_TEMPLATE } from '../src/engine/maskPaths';
import { humanProvenance, modelProvenance } from '../src/engine/provenance';

/** The generated tree: FOLDERS folders of PER_FOLDER images, every other one with a mask. */
const FOLDERS = 100;
const PER_FOLDER = 1000;
/** And one flat folder holding as many images as the whole tree. */
const FLAT = FOLDERS * PER_FOLDER;

/** What the section needs from the bench (a subset of its BenchContext). */
export interface ExplorerBenchContext {
  readonly cacheDir: string;
  log(msg: string): void;
}

/** Writes `n` images (placeholder bytes: the explorer reads names only) and masks for half. */
async function writeFolder(dir: string, n: number, masks: readonly Uint8Array[]): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const image = Buffer.from('not decoded by the explorer');
  for (let i = 0; i < n; i++) {
    const stem = `img${String(i).padStart(6, '0')}`;
    fs.writeFileSync(path.join(dir, `${stem}.png`), image);
    if (i % 2 === 0) fs.writeFileSync(path.join(dir, `${stem}_mask.png`), masks[i % masks.length]!);
  }
}

/** Builds the trees once under `root` (a stamp file says they are complete). */
async function ensureTrees(
  root: string,
  log: (m: string) => void,
): Promise<{ tree: string; flat: string }> {
  const tree = path.join(root, 'tree');
  const flat = path.join(root, 'flat');
  const stamp = path.join(root, `complete-${FOLDERS}x${PER_FOLDER}`);
  if (!fs.existsSync(stamp)) {
    log(`generating ${FOLDERS}×${PER_FOLDER} + ${FLAT} images with masks for half in ${root} …`);
    fs.rmSync(root, { recursive: true, force: true });
    const ids = new Uint8Array(64 * 64).fill(1, 0, 2048);
    const masks = [
      await encodeMaskPng(ids, 64, 64, undefined, modelProvenance('bench.onnx', '{}')),
      await encodeMaskPng(ids, 64, 64, undefined, humanProvenance()),
    ];
    for (let f = 0; f < FOLDERS; f++) {
      await writeFolder(path.join(tree, `part${String(f).padStart(3, '0')}`), PER_FOLDER, masks);
    }
    await writeFolder(flat, FLAT, masks);
    fs.writeFileSync(stamp, '');
  }
  return { tree, flat };
}

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

/** What the tree does to show a folder: list its images, read mask sources, build states. */
async function openFolder(model: DatasetModel, root: string, dir: string): Promise<number> {
  const index = await model.index(root);
  const images = index.images(dir);
  await model.loadStates(index, images);
  let masked = 0;
  for (const i of images) if (model.imageState(index, i) !== 'none') masked++;
  index.folderCounts(dir);
  return masked;
}

/** Runs the measurements; returns flat figures (milliseconds). */
export async function runExplorerBench(ctx: ExplorerBenchContext): Promise<Record<string, number>> {
  const { tree, flat } = await ensureTrees(path.join(ctx.cacheDir, 'explorer'), ctx.log);
  const figures: Record<string, number> = {};

  // Tree of 100 folders: what expanding the workspace folder costs.
  let model = new DatasetModel([tree], DEFAULT_MASK_TEMPLATE, 0);
  const [, scan] = await timed(() => model.index(tree));
  const [folders, list] = await timed(async () => {
    const index = await model.index(tree);
    const dirs = index.folders();
    for (const d of dirs) index.folderCounts(d);
    return dirs;
  });
  figures.explorer_tree_scan_ms = scan;
  figures.explorer_tree_folders_with_counts_ms = list;
  const first = folders[0]!;
  [, figures.explorer_tree_open_folder_cold_ms] = await timed(() => openFolder(model, tree, first));
  [, figures.explorer_tree_open_folder_warm_ms] = await timed(() => openFolder(model, tree, first));

  // Refresh after one mask appears (the watcher's path), then after a burst of 1000.
  const one = path.join(first, 'img000001_mask.png');
  fs.copyFileSync(path.join(first, 'img000000_mask.png'), one);
  [, figures.explorer_refresh_one_mask_ms] = await timed(async () => {
    model.queue('created', one);
    await model.settle();
    await openFolder(model, tree, first);
  });
  fs.rmSync(one);
  model.queue('deleted', one);
  await model.settle();
  const second = folders[1]!;
  const burst: string[] = [];
  for (let i = 1; i < 2000; i += 2)
    burst.push(path.join(second, `img${String(i).padStart(6, '0')}_mask.png`));
  for (const m of burst) fs.copyFileSync(path.join(second, 'img000000_mask.png'), m);
  await openFolder(model, tree, second);
  [, figures.explorer_refresh_1000_masks_ms] = await timed(async () => {
    for (const m of burst) model.queue('created', m);
    await model.settle();
    await openFolder(model, tree, second);
  });
  for (const m of burst) fs.rmSync(m);
  model.dispose();

  // One flat folder of 100k images: scan, then open it cold and warm.
  model = new DatasetModel([flat], DEFAULT_MASK_TEMPLATE, 0);
  [, figures.explorer_flat_scan_ms] = await timed(() => model.index(flat));
  // Listed at once (EAGER_SOURCES in the tree provider), sources read after.
  [, figures.explorer_flat_list_ms] = await timed(async () => {
    const index = await model.index(flat);
    index.images(flat);
    index.folderCounts(flat);
  });
  [, figures.explorer_flat_open_cold_ms] = await timed(() => openFolder(model, flat, flat));
  [, figures.explorer_flat_open_warm_ms] = await timed(() => openFolder(model, flat, flat));
  const extra = path.join(flat, 'img000001_mask.png');
  fs.copyFileSync(path.join(flat, 'img000000_mask.png'), extra);
  [, figures.explorer_flat_refresh_one_mask_ms] = await timed(async () => {
    model.queue('created', extra);
    await model.settle();
    await openFolder(model, flat, flat);
  });
  fs.rmSync(extra);
  model.dispose();
  figures.explorer_heap_mb = process.memoryUsage().heapUsed / 1e6;
  return figures;
}

/** The bench section (`--only explorer`). */
export const explorerSection = {
  name: 'explorer',
  summary: `dataset explorer on ${FOLDERS * PER_FOLDER} images: listing, opening, refresh`,
  async run(ctx: ExplorerBenchContext): Promise<{ figures: Record<string, number> }> {
    return { figures: await runExplorerBench(ctx) };
  },
};

if (require.main === module) {
  const cacheDir = path.resolve('.cache', 'bench');
  runExplorerBench({ cacheDir, log: (m) => console.log(m) }).then(
    (figures) => {
      for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(40)} ${v.toFixed(1)}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
