/** Checking that a folder's file system has room before writing gigabytes into it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DownloadError } from './downloadError';
import { formatBytes } from './progressMeter';

/** Bytes available to this user on the file system that holds `dir` (or its nearest parent). */
export async function freeBytes(dir: string): Promise<number> {
  let probe = path.resolve(dir);
  for (;;) {
    try {
      const s = await fs.promises.statfs(probe);
      return s.bavail * s.bsize;
    } catch (err) {
      const parent = path.dirname(probe);
      if ((err as { code?: string }).code !== 'ENOENT' || parent === probe) throw err;
      probe = parent;
    }
  }
}

/**
 * Throws a `disk` DownloadError naming the folder and both sizes when fewer than `needed` bytes
 * are free. `freeBytesOf` is injectable for tests.
 */
export async function ensureFreeSpace(
  dir: string,
  needed: number,
  what: string,
  freeBytesOf: (dir: string) => Promise<number> = freeBytes,
): Promise<void> {
  const free = await freeBytesOf(dir);
  if (free < needed) {
    throw new DownloadError(
      'disk',
      `not enough disk space for ${what}: it needs ${formatBytes(needed)} in ${dir}, ` +
        `only ${formatBytes(free)} is free`,
    );
  }
}
