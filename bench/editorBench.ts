/**
 * The mask editor's host-side and shared work on a 4000×3000 image, the size the editor must open
 * within a second: opening (image header, mask file), what crosses to the webview (packing and
 * unpacking the mask), tool edits replayed on the host (stroke, fill, polygon), accepting a
 * proposal, a hot-exit backup and saving. Webview-side timings (drawing, stroke latency) come
 * from the end-to-end run (test/e2e/editorScenario.ts).
 *
 * `node out/bench/editorBench.js [--runs N] [--json FILE]` (after `tsc -p .`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { classCatalog } from '../src/editor/classCatalog';
import { openImageSource } from '../src/editor/imageSource';
import { encodeBackup, hashMask, makeBackup } from '../src/editor/maskBackup';
import { MaskEditLog } from '../src/editor/maskEditLog';
import { loadMask, saveMask } from '../src/editor/maskFiles';
import { mergeProposal } from '../src/editor/proposalMerge';
import { encodeMaskPng } from '../src/engine/maskFile';
import { applyOp, type EditOp } from '../src/protocol/editOps';
import type { MaskBuffer } from '../src/protocol/maskBuffer';
import { packMask, unpackMask } from '../src/protocol/maskCodec';
import { round, summarize } from './stats';

const W = 4000;
const H = 3000;

/** Discs of classes 1..3 over a background: a mask that looks like a labelled photo. */
function sceneMask(): MaskBuffer {
  const data = new Uint8Array(W * H);
  const discs = [
    [1300, 1400, 700, 1],
    [2900, 1700, 500, 2],
    [3400, 600, 300, 3],
  ];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (const [cx, cy, r, id] of discs) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) data[y * W + x] = id;
      }
    }
  }
  return { width: W, height: H, data };
}

function copy(mask: MaskBuffer): MaskBuffer {
  return { ...mask, data: mask.data.slice() };
}

async function measure(runs: number, fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = performance.now();
    await fn();
    if (i > 0) out.push(performance.now() - t); // the first run warms the JIT and file cache
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 7;
  const json = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-editor-bench-'));
  try {
    const mask = sceneMask();
    const image = path.join(dir, 'big.jpg');
    const maskFile = path.join(dir, 'big_mask.png');
    const rgb = Buffer.alloc(W * H * 3);
    for (let i = 0; i < W * H; i++) rgb[i * 3 + 1] = 60 + mask.data[i] * 50;
    await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .jpeg()
      .toFile(image);
    fs.writeFileSync(maskFile, await encodeMaskPng(mask.data, W, H));
    const proposal = copy(mask);
    applyOp(proposal, { kind: 'fill', x: 10, y: 10, value: 4 });
    const stroke: EditOp = {
      kind: 'stroke',
      points: Array.from({ length: 100 }, (_, i) => [500 + i * 20, 2500 - i * 8]).flat(),
      radius: 12,
      value: 5,
    };
    const packed = packMask(mask.data);
    const log = new MaskEditLog(copy(mask));
    for (let i = 0; i < 20; i++) {
      log.applyOp({
        kind: 'stroke',
        points: [100 + i * 150, 100, 200 + i * 150, 900],
        radius: 20,
        value: 6,
      });
    }
    const cases: [string, () => unknown][] = [
      ['open: image header (sharp metadata)', () => openImageSource(image, dir)],
      ['open: read mask PNG', () => loadMask(maskFile, W, H)],
      ['open: hash mask (backup base)', () => hashMask(mask)],
      ['init: class list (scan mask)', () => classCatalog(mask.data, [])],
      ['init: pack mask for the webview', () => packMask(mask.data)],
      ['webview: unpack mask', () => unpackMask(packed, W * H)],
      ['edit: stroke, 100 points, radius 12', () => applyOp(copy(mask), stroke)],
      [
        'edit: flood fill of the background',
        () => applyOp(copy(mask), { kind: 'fill', x: 5, y: 5, value: 7 }),
      ],
      [
        'edit: polygon 2000×1500',
        () =>
          applyOp(copy(mask), {
            kind: 'polygon',
            points: [500, 500, 2500, 500, 2500, 2000, 500, 2000],
            value: 8,
          }),
      ],
      ['accept: replace with a proposal', () => mergeProposal(mask, proposal.data, 'replace')],
      ['accept: fill unlabeled pixels', () => mergeProposal(mask, proposal.data, 'fillUnlabeled')],
      [
        'backup: 20 strokes, encode',
        () => encodeBackup(makeBackup(log.mask, 'base', log.unsavedRect)),
      ],
      [
        'save: palette PNG, atomic write',
        () => saveMask(path.join(dir, 'saved_mask.png'), mask, undefined),
      ],
    ];
    const results: Record<string, ReturnType<typeof summarize>> = {};
    console.log(`mask editor bench: ${W}×${H}, ${runs} runs each (median, min–max ms)`);
    for (const [name, fn] of cases) {
      const s = summarize(await measure(runs, fn));
      results[name] = s;
      console.log(
        `  ${name.padEnd(40)} ${String(round(s.median, 3)).padStart(8)}  (${round(s.min, 3)}–${round(s.max, 3)})`,
      );
    }
    console.log(`  packed mask: ${packed.byteLength} bytes for ${W * H} pixels`);
    if (json)
      fs.writeFileSync(
        json,
        JSON.stringify(
          { width: W, height: H, runs, results, packedBytes: packed.byteLength },
          null,
          2,
        ),
      );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
