/**
 * The shared libraries a native library asks the loader for: DT_NEEDED (and RUNPATH) of a
 * 64-bit ELF file, or the import and delay-import DLL names of a PE file. Only the few bytes
 * needed are read, so a 400 MB CUDA library costs a handful of small reads.
 */
import * as fs from 'node:fs';

/** What a library needs. */
export interface NativeDeps {
  readonly format: 'elf' | 'pe';
  /** Library names as the loader will look for them (e.g. `libcudnn.so.9`, `cudnn64_9.dll`). */
  readonly needed: readonly string[];
  /** ELF RUNPATH/RPATH entries (may contain `$ORIGIN`). */
  readonly runpath: readonly string[];
}

/** Thrown for a file that is neither a 64-bit ELF nor a PE library. */
export class NativeFormatError extends Error {
  override readonly name = 'NativeFormatError';
}

type Reader = (pos: number, len: number) => Buffer;

/** Reads what the library at `file` needs. */
export function readNativeDeps(file: string): NativeDeps {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const read: Reader = (pos, len) => {
      if (pos < 0 || pos + len > size)
        throw new NativeFormatError(`${file}: truncated or damaged (read past the end)`);
      const b = Buffer.alloc(len);
      fs.readSync(fd, b, 0, len, pos);
      return b;
    };
    const magic = read(0, Math.min(4, size));
    if (magic.length === 4 && magic.readUInt32BE(0) === 0x7f454c46) return readElf(read, file);
    if (magic.length >= 2 && magic.toString('latin1', 0, 2) === 'MZ') return readPe(read, file);
    throw new NativeFormatError(`${file} is not a native library (neither ELF nor PE)`);
  } finally {
    fs.closeSync(fd);
  }
}

function readElf(read: Reader, file: string): NativeDeps {
  const ident = read(0, 64);
  if (ident[4] !== 2 || ident[5] !== 1)
    throw new NativeFormatError(`${file} is not a 64-bit little-endian ELF file`);
  const phoff = Number(ident.readBigUInt64LE(0x20));
  const phentsize = ident.readUInt16LE(0x36);
  const phnum = ident.readUInt16LE(0x38);
  const loads: { vaddr: number; offset: number; filesz: number }[] = [];
  let dyn: { offset: number; size: number } | undefined;
  for (let i = 0; i < phnum; i++) {
    const ph = read(phoff + i * phentsize, 56);
    const type = ph.readUInt32LE(0);
    const offset = Number(ph.readBigUInt64LE(8));
    const vaddr = Number(ph.readBigUInt64LE(16));
    const filesz = Number(ph.readBigUInt64LE(32));
    if (type === 1) loads.push({ vaddr, offset, filesz });
    if (type === 2) dyn = { offset, size: filesz };
  }
  if (!dyn) return { format: 'elf', needed: [], runpath: [] };
  const toOffset = (vaddr: number): number => {
    const seg = loads.find((l) => vaddr >= l.vaddr && vaddr < l.vaddr + l.filesz);
    if (!seg)
      throw new NativeFormatError(`${file}: address 0x${vaddr.toString(16)} is in no segment`);
    return seg.offset + (vaddr - seg.vaddr);
  };
  const table = read(dyn.offset, dyn.size);
  const needed: number[] = [];
  const runpaths: number[] = [];
  let strtab = -1;
  let strsz = 0;
  for (let p = 0; p + 16 <= table.length; p += 16) {
    const tag = Number(table.readBigInt64LE(p));
    const val = Number(table.readBigUInt64LE(p + 8));
    if (tag === 0) break;
    if (tag === 1) needed.push(val);
    else if (tag === 5) strtab = val;
    else if (tag === 10) strsz = val;
    else if (tag === 15 || tag === 29) runpaths.push(val);
  }
  if (strtab < 0) throw new NativeFormatError(`${file}: no string table for its dynamic section`);
  const strings = read(toOffset(strtab), strsz);
  const str = (off: number): string => {
    const end = strings.indexOf(0, off);
    return strings.toString('utf8', off, end < 0 ? strings.length : end);
  };
  return {
    format: 'elf',
    needed: needed.map(str),
    runpath: runpaths.flatMap((o) => str(o).split(':')).filter(Boolean),
  };
}

function readPe(read: Reader, file: string): NativeDeps {
  const pe = read(0x3c, 4).readUInt32LE(0);
  const coff = read(pe, 24);
  if (coff.readUInt32BE(0) !== 0x50450000) throw new NativeFormatError(`${file}: no PE signature`);
  const sections = coff.readUInt16LE(6);
  const optSize = coff.readUInt16LE(20);
  const opt = read(pe + 24, optSize);
  const magic = opt.readUInt16LE(0);
  const dirBase = magic === 0x20b ? 112 : magic === 0x10b ? 96 : -1;
  if (dirBase < 0)
    throw new NativeFormatError(`${file}: unknown PE optional header 0x${magic.toString(16)}`);
  const dir = (i: number): number =>
    dirBase + i * 8 + 8 <= optSize ? opt.readUInt32LE(dirBase + i * 8) : 0;
  const table = read(pe + 24 + optSize, sections * 40);
  const toOffset = (rva: number): number => {
    for (let s = 0; s < sections; s++) {
      const va = table.readUInt32LE(s * 40 + 12);
      const span = Math.max(table.readUInt32LE(s * 40 + 8), table.readUInt32LE(s * 40 + 16));
      if (rva >= va && rva < va + span) return table.readUInt32LE(s * 40 + 20) + (rva - va);
    }
    throw new NativeFormatError(`${file}: address 0x${rva.toString(16)} is in no section`);
  };
  const cstr = (rva: number): string => {
    const b = read(toOffset(rva), 256);
    const end = b.indexOf(0);
    return b.toString('latin1', 0, end < 0 ? b.length : end);
  };
  const needed: string[] = [];
  // Import descriptors are 20 bytes (name RVA at 12); delay-load ones 32 bytes (name RVA at 4).
  for (const [index, stride, nameAt] of [
    [1, 20, 12],
    [13, 32, 4],
  ] as const) {
    const rva = dir(index);
    if (!rva) continue;
    for (let p = toOffset(rva); ; p += stride) {
      const name = read(p + nameAt, 4).readUInt32LE(0);
      if (!name) break;
      needed.push(cstr(name));
    }
  }
  return { format: 'pe', needed, runpath: [] };
}
