/**
 * Putting the provider libraries where onnxruntime looks for them: the folder of its own
 * library, next to the Node binding inside the extension. A hard link costs no space (storage
 * and extensions usually share a disk); otherwise a copy. Re-run after an extension update,
 * which replaces that folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InstalledProviders } from './installCudaProviders';

/** What placing did. */
export interface PlaceResult {
  readonly placed: boolean;
  /** 'present': nothing to do; 'link'/'copy': how the files got there. */
  readonly how?: 'present' | 'link' | 'copy';
  readonly targetDir: string;
  /** Why they could not be placed, in plain words with what to do. */
  readonly reason?: string;
}

const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

function sameSize(a: string, b: string): boolean {
  try {
    return fs.statSync(a).size === fs.statSync(b).size;
  } catch {
    return false;
  }
}

/** Links or copies each library into `targetDir` unless an equal-sized file is there. */
export async function placeProviderLibraries(
  installed: InstalledProviders,
  targetDir: string,
): Promise<PlaceResult> {
  let how: PlaceResult['how'] = 'present';
  for (const name of installed.files) {
    const src = path.join(installed.dir, name);
    const dest = path.join(targetDir, name);
    if (sameSize(src, dest)) continue;
    const tmp = `${dest}.${process.pid}.tmp`;
    try {
      try {
        fs.linkSync(src, tmp);
        if (how === 'present') how = 'link';
      } catch (err) {
        if (!NO_LINK.has((err as { code?: string }).code ?? '')) throw err;
        await fs.promises.copyFile(src, tmp);
        how = 'copy';
      }
      fs.renameSync(tmp, dest);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      const code = (err as { code?: string }).code ?? '';
      if (!NOT_WRITABLE.has(code) && code !== 'ENOENT') throw err;
      return {
        placed: false,
        targetDir,
        reason:
          `cannot write into ${targetDir} (${code}), where onnxruntime looks for its CUDA provider: ` +
          `copy ${installed.files.join(' and ')} from ${installed.dir} there (with the rights to do so), ` +
          `or install the extension in a folder you can write to`,
      };
    }
  }
  return { placed: true, how, targetDir };
}
