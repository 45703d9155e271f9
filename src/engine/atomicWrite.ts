/** Crash-safe file writes: temp file + fsync + rename, or a no-replace link when not overwriting. */

import { randomBytes } from 'node:crypto';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Thrown when the target exists and overwriting was not asked for. */
export class MaskExistsError extends Error {
  override readonly name = 'MaskExistsError';
  readonly code = 'EEXIST';
  constructor(readonly path: string) {
    super(`"${path}" already exists; not overwriting it`);
  }
}

/** A failed write, with a one-line message naming the target; `code` is the system error code. */
export class FileWriteError extends Error {
  override readonly name = 'FileWriteError';
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`Cannot write "${path}": ${describe(cause)}`, { cause });
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

// Node's fs messages read "ENOSPC: no space left on device, write '<temp path>'": keep the part
// before the comma, the temp path would only confuse.
function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]?.split(', ')[0] || 'unknown error';
}

// Hard links are missing on FAT/exFAT and some network file systems (EPERM on Linux there).
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

// Windows refuses to replace a file that another process (an image preview) has open for a
// moment: retry a few times before giving up.
const RETRY_ON_WINDOWS = new Set(['EPERM', 'EACCES', 'EBUSY']);

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Creates `path` exclusively and writes it durably; on failure removes what it created. */
async function writeAndSync(
  path: string,
  data: Uint8Array,
  mode: number | undefined,
): Promise<void> {
  const fh = await open(path, 'wx'); // 'wx': fails if it exists, never truncates another's file
  let done = false;
  try {
    await fh.writeFile(data);
    if (mode !== undefined) await fh.chmod(mode);
    await fh.sync();
    done = true;
  } finally {
    await fh.close();
    if (!done) await unlink(path).catch(() => undefined);
  }
}

async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      const retry = process.platform === 'win32' && RETRY_ON_WINDOWS.has(codeOf(err) ?? '');
      if (!retry || attempt >= 4) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
}

/** Makes the rename itself durable (POSIX); directories cannot be opened this way on Windows. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort: the data itself is already fsynced
  }
}

/** Publishes the finished temp file at `path` without ever replacing an existing file. */
async function publishNoReplace(tmp: string, path: string, data: Uint8Array): Promise<void> {
  try {
    // link() fails with EEXIST if anything is at `path`, atomically: no check-then-act race.
    await link(tmp, path);
  } catch (err) {
    if (!NO_LINK.has(codeOf(err) ?? '')) throw err;
    // No hard links here: write the target itself with O_EXCL. It still never replaces a file;
    // a failed write removes its partial target, only a crash mid-write could leave one.
    await writeAndSync(path, data, undefined);
  }
  await unlink(tmp).catch(() => undefined);
}

/**
 * Writes `data` to `path` so readers see the old file or the whole new one, never a partial one:
 * a uniquely named temp file in the same folder (`.name.<pid>.<random>.tmp`), fsynced, then
 * renamed into place (overwrite) or hard-linked into place (no overwrite; link fails if the target
 * appeared meanwhile, so another's file is never replaced). A symlink at `path` is replaced, not
 * followed. Throws MaskExistsError, or FileWriteError; the temp file never outlives the call.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  opts: { overwrite: boolean },
): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let tmpCreated = false;
  try {
    // Early check saves writing a big file for nothing; the link below is the real guard.
    if (!opts.overwrite && (await exists(path))) throw new MaskExistsError(path);
    const old = opts.overwrite ? await stat(path).catch(() => undefined) : undefined;
    const mode = old?.isFile() ? old.mode & 0o7777 : undefined; // keep a replaced file's mode
    await writeAndSync(tmp, data, mode);
    tmpCreated = true;
    if (opts.overwrite) await renameWithRetry(tmp, path);
    else await publishNoReplace(tmp, path, data);
    tmpCreated = false;
    await syncDir(dir);
  } catch (err) {
    if (tmpCreated) await unlink(tmp).catch(() => undefined);
    if (err instanceof MaskExistsError) throw err;
    if (!opts.overwrite && codeOf(err) === 'EEXIST') throw new MaskExistsError(path);
    throw new FileWriteError(path, codeOf(err), err);
  }
}
