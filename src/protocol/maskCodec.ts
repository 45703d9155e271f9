/**
 * Packing class-id maps for postMessage: masks are long runs of one class, so a run-length code
 * shrinks a 12 MB 4000×3000 mask to tens of kilobytes and crosses the extension host → webview
 * boundary (a socket, in remote and web setups) far faster. Noise that would grow is sent raw.
 */

const RAW = 0;
const RUNS = 1;

/** Packs class ids: a kind byte, then raw bytes or (value, LEB128 run length) pairs. */
export function packMask(data: Uint8Array): ArrayBuffer {
  // Worst case for runs: 1 + 5 bytes per pixel; give up as soon as runs outgrow raw bytes.
  const limit = data.length + 1;
  let out = new Uint8Array(Math.min(limit, 1024 + (data.length >> 6)));
  let n = 0;
  out[n++] = RUNS;
  const ensure = (extra: number): boolean => {
    if (n + extra <= out.length) return true;
    if (n + extra > limit) return false;
    const grown = new Uint8Array(Math.min(limit, Math.max(out.length * 2, n + extra)));
    grown.set(out.subarray(0, n));
    out = grown;
    return true;
  };
  let i = 0;
  while (i < data.length) {
    const value = data[i];
    let end = i + 1;
    while (end < data.length && data[end] === value) end++;
    let run = end - i;
    if (!ensure(6)) return raw(data);
    out[n++] = value;
    while (run >= 0x80) {
      out[n++] = (run & 0x7f) | 0x80;
      run >>>= 7;
    }
    out[n++] = run;
    i = end;
  }
  return out.slice(0, n).buffer;
}

function raw(data: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(data.length + 1);
  out[0] = RAW;
  out.set(data, 1);
  return out.buffer;
}

/**
 * Calls `run(value, start, length)` for each run of a packed mask of `length` pixels; returns
 * false, calling nothing, for one packed raw (noise). Throws a RangeError for damaged data.
 */
export function forEachRun(
  packed: ArrayBuffer,
  length: number,
  run: (value: number, start: number, count: number) => void,
): boolean {
  const src = new Uint8Array(packed);
  if (src[0] === RAW) return false;
  if (src[0] !== RUNS) throw new RangeError('packed mask has an unknown format');
  let at = 0;
  let i = 1;
  while (i < src.length) {
    const value = src[i++];
    let count = 0;
    let shift = 0;
    let byte: number;
    do {
      if (i >= src.length || shift > 28) throw new RangeError('packed mask is truncated');
      byte = src[i++];
      count |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    if (count <= 0 || at + count > length) throw new RangeError('packed mask overruns its size');
    run(value, at, count);
    at += count;
  }
  if (at !== length) throw new RangeError(`packed mask holds ${at} pixels, expected ${length}`);
  return true;
}

/** Unpacks what packMask made into `length` class ids; throws a RangeError for damaged data. */
export function unpackMask(packed: ArrayBuffer, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const runs = forEachRun(packed, length, (value, start, count) =>
    out.fill(value, start, start + count),
  );
  if (runs) return out;
  const src = new Uint8Array(packed);
  if (src.length !== length + 1) {
    throw new RangeError(`packed mask holds ${src.length - 1} pixels, expected ${length}`);
  }
  return src.slice(1);
}
