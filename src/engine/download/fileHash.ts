/** Checking a finished file against published digests: SHA-256 (LFS) or a git blob id. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Digests a file may be checked against; the Hub gives SHA-256 for LFS files, git ids for others. */
export interface ExpectedDigest {
  /** Lower-case hex SHA-256 of the content. */
  readonly sha256?: string;
  /** Lower-case hex git blob id: SHA-1 of `blob <size>\0` + content. */
  readonly gitBlobSha1?: string;
}

/** Digests computed over a file, in the same form as ExpectedDigest. */
export interface ComputedDigest {
  readonly sha256: string;
  readonly gitBlobSha1: string;
  readonly size: number;
}

/** Reads a file once and computes both digests; `onBytes` reports bytes read so far. */
export async function digestFile(
  path: string,
  size: number,
  onBytes?: (n: number) => void,
  signal?: AbortSignal,
): Promise<ComputedDigest> {
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1').update(`blob ${size}\0`);
  let n = 0;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1 << 20,
    signal,
  }) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    sha1.update(chunk);
    n += chunk.length;
    onBytes?.(n);
  }
  return { sha256: sha256.digest('hex'), gitBlobSha1: sha1.digest('hex'), size: n };
}

/** The first digest that does not match, as "sha256 expected … got …", or undefined. */
export function digestMismatch(expected: ExpectedDigest, got: ComputedDigest): string | undefined {
  if (expected.sha256 && expected.sha256.toLowerCase() !== got.sha256) {
    return `SHA-256 ${got.sha256}, expected ${expected.sha256.toLowerCase()}`;
  }
  if (expected.gitBlobSha1 && expected.gitBlobSha1.toLowerCase() !== got.gitBlobSha1) {
    return `git blob id ${got.gitBlobSha1}, expected ${expected.gitBlobSha1.toLowerCase()}`;
  }
  return undefined;
}
