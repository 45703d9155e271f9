/**
 * Reading files out of a zip (a NuGet package is one) without loading it into memory: the
 * central directory (ZIP64 too) is parsed, and chosen entries are streamed through inflate to
 * disk with their CRC-32 and size checked.
 */
import * as fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

/** Thrown for a file that is not a readable zip, or an entry that fails its check. */
export class ZipError extends Error {
  override readonly name = 'ZipError';
}

/** One entry of the central directory. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, position);
  if (n !== length) throw new ZipError(`unexpected end of file at byte ${position + n}`);
  return buf;
}

/** Lists the entries of the zip at `file`. */
export function listZip(file: string): ZipEntry[] {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const tailLen = Math.min(size, 22 + 65535);
    const tail = readAt(fd, size - tailLen, tailLen);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) throw new ZipError(`${file} is not a zip file (no end of central directory)`);
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const eocdAbs = size - tailLen + at;
      const locator = readAt(fd, eocdAbs - 20, 20);
      if (locator.readUInt32LE(0) !== ZIP64_LOCATOR)
        throw new ZipError(`${file}: broken ZIP64 locator`);
      const z = readAt(fd, Number(locator.readBigUInt64LE(8)), 56);
      if (z.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipError(`${file}: broken ZIP64 directory`);
      count = Number(z.readBigUInt64LE(32));
      cdSize = Number(z.readBigUInt64LE(40));
      cdOffset = Number(z.readBigUInt64LE(48));
    }
    if (cdOffset + cdSize > size)
      throw new ZipError(`${file} is truncated (the directory lies past its end)`);
    return parseCentral(readAt(fd, cdOffset, cdSize), count, file);
  } finally {
    fs.closeSync(fd);
  }
}

function parseCentral(cd: Buffer, count: number, file: string): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL)
      throw new ZipError(`${file}: broken central directory`);
    const flags = cd.readUInt16LE(p + 8);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (): number => {
          const v = Number(cd.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + len;
    }
    if (flags & 1) throw new ZipError(`${file}: ${name} is encrypted`);
    entries.push({
      name,
      method: cd.readUInt16LE(p + 10),
      crc32: cd.readUInt32LE(p + 16),
      compressedSize,
      size,
      localHeaderOffset,
    });
    p = extraEnd + commentLen;
  }
  return entries;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (the zip polynomial) of `data`, continuing from `crc`. */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++)
    c = (CRC_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** Streams one entry to `dest` (written whole or not at all) and checks its CRC and size. */
export async function extractEntry(
  file: string,
  entry: ZipEntry,
  dest: string,
  signal?: AbortSignal,
): Promise<void> {
  const fd = fs.openSync(file, 'r');
  let dataStart: number;
  try {
    const local = readAt(fd, entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL)
      throw new ZipError(`${file}: broken local header of ${entry.name}`);
    dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    fs.closeSync(fd);
  }
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipError(
      `${file}: ${entry.name} uses compression method ${entry.method}, which is not supported`,
    );
  }
  const tmp = `${dest}.${process.pid}.tmp`;
  let crc = 0;
  let n = 0;
  const check = new Transform({
    transform(chunk: Buffer, _e, cb) {
      crc = crc32(chunk, crc);
      n += chunk.length;
      cb(null, chunk);
    },
  });
  const source = fs.createReadStream(file, {
    start: dataStart,
    end: dataStart + entry.compressedSize - 1,
  });
  const stages: NodeJS.ReadWriteStream[] =
    entry.method === 8 ? [zlib.createInflateRaw(), check] : [check];
  try {
    if (entry.compressedSize === 0) fs.writeFileSync(tmp, Buffer.alloc(0));
    else await pipeline([source, ...stages, fs.createWriteStream(tmp)], { signal });
    if (n !== entry.size || crc !== entry.crc32) {
      throw new ZipError(
        `${entry.name} in ${file} is damaged (CRC or size mismatch); download it again`,
      );
    }
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    if (
      err instanceof Error &&
      err.name !== 'AbortError' &&
      !(err instanceof ZipError) &&
      (err as { code?: string }).code?.startsWith('Z_')
    ) {
      throw new ZipError(`${entry.name} in ${file} is damaged (${err.message})`);
    }
    throw err;
  }
}
