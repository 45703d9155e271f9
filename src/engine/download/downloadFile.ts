/**
 * Downloading one large file safely: bytes go to `<dest>.part` (with a `<dest>.part.json`
 * sidecar naming the expected size and digest), an interrupted transfer resumes with an HTTP
 * Range request, the finished file is checked against its published digest, and only then
 * renamed to `dest`. Nothing at `dest` ever looks complete unless it is.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DownloadError, describeNetworkError, errorCode, isAbort } from './downloadError';
import { digestFile, digestMismatch, type ExpectedDigest } from './fileHash';
import { ensureFreeSpace, freeBytes } from './freeSpace';
import { expectOk, httpGet, type HttpOptions, type HttpResponse } from './httpGet';
import { ProgressMeter, type TransferProgress } from './progressMeter';

/** What to fetch and where it goes. */
export interface DownloadTarget {
  readonly url: string;
  readonly dest: string;
  /** Expected size in bytes (checked, and used for resume and the free-space check). */
  readonly size?: number;
  readonly digest?: ExpectedDigest;
}

/** How to fetch it. */
export interface DownloadOptions extends HttpOptions {
  readonly onProgress?: (p: TransferProgress) => void;
  /** Failed attempts in a row (without new bytes) before giving up; default 5. */
  readonly retries?: number;
  /** First wait between attempts, doubled each time; default 1000 ms. */
  readonly retryDelayMs?: number;
  /** Free-space probe (tests inject one). */
  readonly freeBytesOf?: (dir: string) => Promise<number>;
}

/** A finished download. */
export interface DownloadResult {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** Bytes that were already on disk from an earlier, interrupted download. */
  readonly resumedFrom: number;
}

interface Sidecar {
  readonly url: string;
  readonly size?: number;
  readonly sha256?: string;
  readonly gitBlobSha1?: string;
}

/** Paths of the partial file and its sidecar for a destination. */
export function partPaths(dest: string): { part: string; sidecar: string } {
  return { part: `${dest}.part`, sidecar: `${dest}.part.json` };
}

// Failing to reach the server at all is not worth retrying: the address or network is wrong.
const FAIL_FAST = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);
// Errors of the file being written; anything else in the pipeline is the connection's.
const DISK_ERRORS = new Set([
  'ENOSPC',
  'EDQUOT',
  'EACCES',
  'EPERM',
  'EROFS',
  'EIO',
  'EISDIR',
  'EMFILE',
  'ENFILE',
  'EBADF',
  'EFBIG',
]);
const PROGRESS_EVERY_MS = 200;

/** Downloads `target.url` to `target.dest`, resuming a matching `.part` file left earlier. */
export async function downloadFile(
  target: DownloadTarget,
  opts: DownloadOptions = {},
): Promise<DownloadResult> {
  const dest = path.resolve(target.dest);
  const { part, sidecar } = partPaths(dest);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  let offset = preparePart(target, part, sidecar);
  const resumedFrom = offset;
  if (target.size !== undefined) {
    await ensureFreeSpace(
      path.dirname(dest),
      target.size - offset,
      path.basename(dest),
      opts.freeBytesOf ?? freeBytes,
    );
  }
  const meter = new ProgressMeter(target.size, resumedFrom);
  const maxFailures = opts.retries ?? 5;
  let failures = 0;
  let delay = opts.retryDelayMs ?? 1000;
  for (;;) {
    if (opts.signal?.aborted) throw cancelled();
    if (target.size !== undefined && offset === target.size) break;
    const before = offset;
    try {
      const done = await fetchInto(target, part, offset, meter, opts);
      offset = done.size;
      if (done.complete) break;
      throw new DownloadError(
        'network',
        `the connection to ${new URL(target.url).host} ended early at ${offset} of ${target.size} bytes`,
      );
    } catch (err) {
      offset = sizeOf(part);
      if (err instanceof DownloadError && err.kind === 'cancelled') throw err;
      if (isAbort(err, opts.signal)) throw cancelled();
      const dl =
        err instanceof DownloadError
          ? err
          : new DownloadError('disk', `cannot write ${part}: ${String(err)}`, undefined, {
              cause: err,
            });
      failures = offset > before ? 1 : failures + 1;
      const failFast = offset === 0 && FAIL_FAST.has(errorCode(dl.cause) ?? '');
      if (!dl.retryable || failFast || failures > maxFailures) throw dl;
      await wait(delay, opts.signal);
      delay *= 2;
    }
  }
  return finish(target, dest, part, sidecar, resumedFrom, opts);
}

/** Keeps a partial file only if its sidecar describes the same target; returns its size. */
function preparePart(target: DownloadTarget, part: string, sidecar: string): number {
  const want: Sidecar = {
    url: target.url,
    size: target.size,
    sha256: target.digest?.sha256,
    gitBlobSha1: target.digest?.gitBlobSha1,
  };
  let have: Sidecar | undefined;
  try {
    have = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as Sidecar;
  } catch {
    have = undefined;
  }
  const same =
    have !== undefined &&
    have.size === want.size &&
    have.sha256 === want.sha256 &&
    have.gitBlobSha1 === want.gitBlobSha1 &&
    // Without any digest, only the same URL is known to be the same file.
    (want.sha256 !== undefined || want.gitBlobSha1 !== undefined || have.url === want.url);
  let size = same ? sizeOf(part) : 0;
  if (!same || (target.size !== undefined && size > target.size)) {
    fs.rmSync(part, { force: true });
    size = 0;
  }
  fs.writeFileSync(sidecar, JSON.stringify(want));
  return size;
}

/** One request: appends what arrives to the part file. */
async function fetchInto(
  target: DownloadTarget,
  part: string,
  offset: number,
  meter: ProgressMeter,
  opts: DownloadOptions,
): Promise<{ size: number; complete: boolean }> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const res = await httpGet(target.url, headers, opts);
  let start = offset;
  if (res.status === 416 && offset > 0) {
    // The part already holds everything the server has (or more): let the digest decide.
    res.body.resume();
    if (target.size === undefined) return { size: offset, complete: true };
    fs.rmSync(part, { force: true });
    throw new DownloadError(
      'network',
      `${res.url} refused to resume at byte ${offset}; starting over`,
    );
  }
  if (res.status === 206) {
    const range = parseContentRange(res);
    if (range.start !== offset) {
      res.body.resume();
      fs.rmSync(part, { force: true });
      throw new DownloadError(
        'network',
        `${res.url} resumed at byte ${range.start}, not ${offset}; starting over`,
      );
    }
    checkTotal(target, range.total, res);
  } else {
    expectOk(res);
    start = 0; // the server ignored the Range header: start over
    const length = Number(res.headers['content-length'] ?? NaN);
    if (Number.isFinite(length)) checkTotal(target, length, res);
  }
  let received = start;
  let lastReport = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      const now = performance.now();
      if (opts.onProgress && now - lastReport >= PROGRESS_EVERY_MS) {
        lastReport = now;
        opts.onProgress(meter.update(received));
      }
      cb(null, chunk);
    },
  });
  const out = fs.createWriteStream(part, { flags: start > 0 ? 'a' : 'w' });
  try {
    await pipeline(res.body, counter, out, { signal: opts.signal });
  } catch (err) {
    if (isAbort(err, opts.signal)) throw cancelled();
    if (DISK_ERRORS.has(errorCode(err) ?? '')) {
      throw new DownloadError('disk', `cannot write ${part}: ${firstLine(err)}`, undefined, {
        cause: err,
      });
    }
    const host = new URL(res.url).host;
    throw new DownloadError('network', describeNetworkError(err, host), undefined, { cause: err });
  }
  opts.onProgress?.(meter.update(received));
  const size = sizeOf(part);
  return { size, complete: target.size === undefined || size >= target.size };
}

/** Checks size and digest, then renames the part file into place. */
async function finish(
  target: DownloadTarget,
  dest: string,
  part: string,
  sidecar: string,
  resumedFrom: number,
  opts: DownloadOptions,
): Promise<DownloadResult> {
  const size = sizeOf(part);
  const reject = (why: string): never => {
    fs.rmSync(part, { force: true });
    fs.rmSync(sidecar, { force: true });
    throw new DownloadError(
      'integrity',
      `${path.basename(dest)} from ${target.url} is not the published file (${why}); it was deleted, try again`,
    );
  };
  if (target.size !== undefined && size !== target.size)
    reject(`${size} bytes, expected ${target.size}`);
  const base = { phase: 'verifying' as const, total: size, resumedFrom, bytesPerSecond: 0 };
  opts.onProgress?.({ ...base, received: 0 });
  let digest;
  try {
    digest = await digestFile(part, size, undefined, opts.signal);
  } catch (err) {
    if (isAbort(err, opts.signal)) throw cancelled();
    throw err;
  }
  opts.onProgress?.({ ...base, received: size });
  const mismatch = target.digest ? digestMismatch(target.digest, digest) : undefined;
  if (mismatch) reject(mismatch);
  const fd = fs.openSync(part, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(part, dest);
  fs.rmSync(sidecar, { force: true });
  return { path: dest, size, sha256: digest.sha256, resumedFrom };
}

function parseContentRange(res: HttpResponse): { start: number; total?: number } {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? '').trim());
  if (!m) {
    res.body.resume();
    throw new DownloadError(
      'network',
      `${res.url} sent a partial response without a valid Content-Range`,
    );
  }
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

function checkTotal(target: DownloadTarget, total: number | undefined, res: HttpResponse): void {
  if (target.size !== undefined && total !== undefined && total !== target.size) {
    res.body.resume();
    throw new DownloadError(
      'integrity',
      `${res.url} has ${total} bytes, but the listing says ${target.size}`,
    );
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function cancelled(): DownloadError {
  return new DownloadError(
    'cancelled',
    'download cancelled; the partial file is kept and the next download resumes it',
  );
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
