/** Helpers for tests that read fixture files: paths, raw little-endian arrays, comparisons. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The fixture set used when a test names no other one. */
export const DEFAULT_FIXTURE_SET = 'seggpt-tiny-reference';

/** The repository root: the nearest folder above this file that holds a package.json. */
function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
}

/** Absolute path of a file in `test/fixtures/<fixtureSet>/` (works from `test/` and `out/test/`). */
export function fixturePath(name: string, fixtureSet: string = DEFAULT_FIXTURE_SET): string {
  return join(repoRoot(), 'test', 'fixtures', fixtureSet, name);
}

/** Reads a file of raw bytes into a fresh, aligned ArrayBuffer of whole elements. */
function readAligned(path: string, elementBytes: number): ArrayBuffer {
  const bytes = readFileSync(path);
  if (bytes.byteLength % elementBytes !== 0) {
    throw new Error(`${path}: ${bytes.byteLength} bytes is not a multiple of ${elementBytes}`);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/** Reads a raw little-endian float32 file. */
export function readF32(path: string): Float32Array {
  const buffer = readAligned(path, 4);
  const view = new DataView(buffer);
  const out = new Float32Array(buffer.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** Reads a raw little-endian float64 file. */
export function readF64(path: string): Float64Array {
  const buffer = readAligned(path, 8);
  const view = new DataView(buffer);
  const out = new Float64Array(buffer.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
  return out;
}

/** Largest |a[i] − b[i]|; throws when the lengths differ, NaN anywhere gives NaN. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new Error(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  }
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > max) max = d;
  }
  return max;
}
