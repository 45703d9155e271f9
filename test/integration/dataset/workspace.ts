/** Generates this suite's workspace (called by runTests.ts before VS Code starts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeMaskPng } from '../../../src/engine/maskFile';
import { modelProvenance } from '../../../src/engine/provenance';
import { ensureTinyModel, writeSampleDataset } from '../../../scripts/sampleDataset';

/** A plain mask of a picture's size with a filled square (class 1). */
async function squareMask(file: string, text?: Record<string, string>): Promise<void> {
  const w = 160;
  const h = 120;
  const ids = new Uint8Array(w * h);
  for (let y = 30; y < 90; y++) ids.fill(1, y * w + 40, y * w + 120);
  fs.writeFileSync(file, await encodeMaskPng(ids, w, h, undefined, text));
}

/**
 * cells/: 01 has a person's mask and is the prompt, 02 a model mask, 03 a mask from another
 * tool, 04 none. more/: 6 pictures, big/: 60 (for cancelling), nested/deep/: 2.
 */
export async function createWorkspace(dir: string): Promise<void> {
  const model = await ensureTinyModel();
  await writeSampleDataset(dir, {
    folders: [
      { name: 'cells', images: 4, masked: 1 },
      { name: 'more', images: 6 },
      // Larger pictures, so the job runs long enough to be cancelled half-way.
      { name: 'big', images: 60, size: [640, 480] },
      { name: 'nested/deep', images: 2 },
    ],
    modelPath: model,
  });
  await squareMask(path.join(dir, 'cells', '02_mask.png'), modelProvenance('tiny.onnx', '{}'));
  await squareMask(path.join(dir, 'cells', '03_mask.png'));
}
