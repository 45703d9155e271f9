/** Reading and writing safetensors weight files, one tensor at a time (files may be 1.5 GB). */
import { promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from './halfFloat';
import type { TensorInfo, WeightDtype, WeightSource } from './weights';

/** Thrown for a missing, unreadable or malformed safetensors file. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

/** An open safetensors file: tensors are read on demand by absolute offset. */
export interface SafetensorsFile extends WeightSource {
  /** The path the file was opened with. */
  readonly path: string;
  /** The header's `__metadata__` string map (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Type and shape of one tensor, or undefined when the file has no tensor of that name. */
  info(name: string): TensorInfo | undefined;
}

/** One tensor to write: float32 data in row-major order. */
export interface TensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

const DTYPE_BYTES: Readonly<Record<WeightDtype, number>> = { F32: 4, F16: 2, BF16: 2 };
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** Largest single read or write; fs calls cap one transfer near 2 GiB. */
const MAX_IO_CHUNK = 64 * 1024 * 1024;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

interface Entry extends TensorInfo {
  /** Byte range within the data section. */
  readonly begin: number;
  readonly end: number;
}

type FileHandle = fsp.FileHandle;

function fail(path: string, problem: string): SafetensorsError {
  return new SafetensorsError(`${path}: ${problem}`.replace(/\s*\n\s*/g, ' '));
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function ioProblem(err: unknown): string {
  switch (errorCode(err)) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Reads exactly `length` bytes at `position` into `target`, or fails as truncated. */
async function readFully(
  handle: FileHandle,
  path: string,
  target: Uint8Array,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const want = Math.min(target.length - done, MAX_IO_CHUNK);
    const { bytesRead } = await handle.read(target, done, want, position + done);
    if (bytesRead === 0) {
      throw fail(path, `truncated: unexpected end of file at byte ${position + done}`);
    }
    done += bytesRead;
  }
}

/** Writes all of `bytes` at `position`. */
async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const want = Math.min(bytes.length - done, MAX_IO_CHUNK);
    const { bytesWritten } = await handle.write(bytes, done, want, position + done);
    done += bytesWritten;
  }
}

/** Reverses the byte order of each `width`-byte element in place (big-endian hosts only). */
function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

function parseMetadata(path: string, raw: unknown): Record<string, string> {
  if (!isObject(raw)) throw fail(path, `__metadata__ must be an object, got ${describe(raw)}`);
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') {
      throw fail(path, `__metadata__ value for "${k}" must be a string, got ${describe(v)}`);
    }
  }
  // fromEntries defines own properties, so a "__proto__" key stays plain data.
  return Object.fromEntries(Object.entries(raw)) as Record<string, string>;
}

function parseEntry(path: string, name: string, raw: unknown, dataBytes: number): Entry {
  const where = `tensor "${name}"`;
  if (!isObject(raw)) throw fail(path, `${where}: entry must be an object, got ${describe(raw)}`);
  const dtype = raw['dtype'];
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
    throw fail(path, `${where}: unsupported dtype ${describe(dtype)} (only F32, F16, BF16)`);
  }
  const shape = raw['shape'];
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail(
      path,
      `${where}: shape must be a list of non-negative integers, got ${describe(shape)}`,
    );
  }
  const offsets = raw['data_offsets'];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(
      path,
      `${where}: data_offsets must be [begin, end] byte offsets, got ${describe(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) {
    throw fail(path, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
  }
  if (end > dataBytes) {
    throw fail(
      path,
      `truncated or corrupt: ${where} ends at byte ${end} of the data section, which has ${dataBytes} bytes`,
    );
  }
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  const expected = count * DTYPE_BYTES[dtype];
  if (end - begin !== expected) {
    throw fail(
      path,
      `${where}: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return Object.freeze({ name, dtype, shape: Object.freeze([...shape]), begin, end });
}

function checkNoOverlap(path: string, entries: readonly Entry[]): void {
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.begin < prev.end) {
      throw fail(
        path,
        `tensors "${prev.name}" [${prev.begin}, ${prev.end}] and "${cur.name}" [${cur.begin}, ${cur.end}] overlap`,
      );
    }
  }
}

/** Reads and validates the header; the handle stays open. */
async function readHeader(
  handle: FileHandle,
  path: string,
): Promise<{ entries: Entry[]; metadata: Record<string, string>; dataStart: number }> {
  const size = (await handle.stat()).size;
  if (size === 0) throw fail(path, 'empty file (0 bytes), not a safetensors file');
  if (size < 8) {
    throw fail(
      path,
      `only ${size} bytes, too short for the 8-byte header length of a safetensors file`,
    );
  }
  const prefix = new Uint8Array(8);
  await readFully(handle, path, prefix, 0);
  const headerLength = new DataView(prefix.buffer).getBigUint64(0, true);
  if (headerLength === 0n) throw fail(path, 'header length is 0; not a safetensors file');
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw fail(path, `header length ${headerLength} exceeds 100 MB; not a safetensors file`);
  }
  const headerBytes = Number(headerLength);
  if (headerBytes > size - 8) {
    throw fail(
      path,
      `truncated: header says ${headerBytes} bytes, file has ${size - 8} after the length`,
    );
  }
  const raw = new Uint8Array(headerBytes);
  await readFully(handle, path, raw, 8);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw fail(path, `header is not valid JSON (${why}); not a safetensors file?`);
  }
  if (!isObject(json)) throw fail(path, `header must be a JSON object, got ${describe(json)}`);
  const dataStart = 8 + headerBytes;
  const entries: Entry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(path, value);
    else entries.push(parseEntry(path, name, value, size - dataStart));
  }
  checkNoOverlap(path, entries);
  return { entries, metadata, dataStart };
}

class OpenSafetensorsFile implements SafetensorsFile {
  private readonly byName: ReadonlyMap<string, Entry>;
  private readonly list: readonly TensorInfo[];
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    entries: readonly Entry[],
    readonly metadata: Readonly<Record<string, string>>,
    private readonly dataStart: number,
  ) {
    this.byName = new Map(entries.map((e) => [e.name, e]));
    this.list = Object.freeze(entries.map((e) => this.info(e.name)!));
  }

  tensors(): readonly TensorInfo[] {
    return this.list;
  }

  info(name: string): TensorInfo | undefined {
    const e = this.byName.get(name);
    return e && { name: e.name, dtype: e.dtype, shape: e.shape };
  }

  async readF32(name: string): Promise<Float32Array> {
    const e = this.byName.get(name);
    if (!e) throw fail(this.path, `no tensor named "${name}"`);
    if (this.closed) throw fail(this.path, `cannot read "${name}": the file has been closed`);
    const width = DTYPE_BYTES[e.dtype];
    const count = (e.end - e.begin) / width;
    const store = e.dtype === 'F32' ? new Float32Array(count) : new Uint16Array(count);
    const bytes = new Uint8Array(store.buffer);
    await readFully(this.handle, this.path, bytes, this.dataStart + e.begin);
    if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, width);
    if (store instanceof Float32Array) return store;
    return e.dtype === 'F16' ? float16BitsToFloat32(store) : bfloat16BitsToFloat32(store);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/** Opens a safetensors file and validates its header; tensors are read later, one by one. */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  let handle: FileHandle;
  try {
    handle = await fsp.open(path, 'r');
  } catch (err) {
    throw fail(path, `cannot open: ${ioProblem(err)}`);
  }
  try {
    const { entries, metadata, dataStart } = await readHeader(handle, path);
    return new OpenSafetensorsFile(path, handle, entries, Object.freeze(metadata), dataStart);
  } catch (err) {
    await handle.close().catch(() => undefined);
    if (err instanceof SafetensorsError) throw err;
    throw fail(path, `cannot read: ${ioProblem(err)}`);
  }
}

/** Builds the padded header (length prefix included) and checks every tensor's shape. */
function encodeHeader(
  path: string,
  tensors: ReadonlyArray<TensorToWrite>,
  metadata: Record<string, string> | undefined,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header['__metadata__'] = { ...metadata };
  let offset = 0;
  for (const t of tensors) {
    const where = `cannot write tensor "${t.name}"`;
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name)) {
      throw fail(path, `${where}: the name is reserved or used twice`);
    }
    if (!t.shape.every((d) => isCount(d)))
      throw fail(path, `${where}: bad shape [${t.shape.join(', ')}]`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw fail(
        path,
        `${where}: shape [${t.shape.join(', ')}] needs ${count} values, got ${t.data.length}`,
      );
    }
    const end = offset + t.data.byteLength;
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, end] };
    offset = end;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + padded, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(out, 8);
  return out;
}

/** Writes float32 tensors as a safetensors file, via a temporary file renamed into place. */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyArray<TensorToWrite>,
  metadata?: Record<string, string>,
): Promise<void> {
  const header = encodeHeader(path, tensors, metadata);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(temp, 'wx');
    await writeFully(handle, header, 0);
    let position = header.length;
    for (const t of tensors) {
      let bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      if (!LITTLE_ENDIAN_HOST) {
        bytes = bytes.slice();
        swapBytes(bytes, 4);
      }
      await writeFully(handle, bytes, position);
      position += bytes.length;
    }
    await handle.datasync();
    await handle.close();
    handle = undefined;
    await fsp.rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw fail(path, `cannot write: ${ioProblem(err)}`);
  }
}
