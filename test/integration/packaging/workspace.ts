/** The packaged-VSIX test's workspace: one picture to segment and a prompt pair. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeMaskPng } from '../../../src/engine/maskFile';

/** A `w`×`h` picture with a bright disc at (cx, cy), and its mask (class 1 on the disc). */
async function disc(
  dir: string,
  stem: string,
  w: number,
  h: number,
  cx: number,
  cy: number,
  r: number,
): Promise<void> {
  const rgb = Buffer.alloc(w * h * 3, 40);
  const ids = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
      rgb.fill(220, (y * w + x) * 3, (y * w + x) * 3 + 3);
      ids[y * w + x] = 1;
    }
  }
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(path.join(dir, `${stem}.png`));
  fs.writeFileSync(path.join(dir, `${stem}_mask.png`), await encodeMaskPng(ids, w, h));
}

/** Writes prompt.png (+ its mask) and query.png into `dir`. */
export async function writePackagingWorkspace(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await disc(dir, 'prompt', 96, 80, 40, 36, 18);
  await disc(dir, 'query', 120, 90, 70, 50, 22);
  fs.rmSync(path.join(dir, 'query_mask.png'));
}
