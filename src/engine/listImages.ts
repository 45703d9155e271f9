/** Listing the images of a folder, leaving out mask files. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_MASK_TEMPLATE, isImageFile, maskMatcher } from './maskPaths';

/** Thrown when a folder to list does not exist or is not a folder. */
export class FolderError extends Error {
  override readonly name = 'FolderError';
}

/** Image files under `folder` (sorted, absolute), excluding masks under the template. */
export async function listImages(
  folder: string,
  opts: { recursive?: boolean; maskTemplate?: string } = {},
): Promise<string[]> {
  const root = path.resolve(folder);
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat) throw new FolderError(`folder not found: ${folder}`);
  if (!stat.isDirectory()) throw new FolderError(`not a folder: ${folder}`);
  const isMask = maskMatcher(opts.maskTemplate ?? DEFAULT_MASK_TEMPLATE);
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (opts.recursive && !e.name.startsWith('.')) await walk(full);
      } else if (e.isFile() && isImageFile(e.name) && !isMask(full)) {
        out.push(full);
      }
    }
  };
  await walk(root);
  return out.sort();
}
