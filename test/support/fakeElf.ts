/**
 * A minimal 64-bit ELF shared object (x86-64) with chosen DT_NEEDED and RUNPATH entries: enough
 * for the dynamic loader to open it (string, symbol and hash tables, a non-executable stack)
 * and to fail on the first needed library it cannot find. Tests only.
 */

/** Bytes of the library. */
export function fakeElf(needed: readonly string[], runpath?: string): Buffer {
  const strings = ['', ...needed, ...(runpath ? [runpath] : [])];
  const offsets: number[] = [];
  let strtabSize = 0;
  for (const s of strings) {
    offsets.push(strtabSize);
    strtabSize += Buffer.byteLength(s) + 1;
  }
  const phnum = 3;
  const phoff = 64;
  const dynOff = phoff + phnum * 56;
  const dyn: [number, number][] = needed.map((_, i) => [1, offsets[i + 1] as number]);
  if (runpath) dyn.push([29, offsets[strings.length - 1] as number]);
  // Tables follow the dynamic section: strings, one null symbol, a one-bucket hash table.
  const dynSize = (dyn.length + 6) * 16;
  const strOff = dynOff + dynSize;
  const symOff = Math.ceil((strOff + strtabSize) / 8) * 8;
  const hashOff = symOff + 24;
  const total = hashOff + 16;
  dyn.push([5, strOff], [10, strtabSize], [6, symOff], [11, 24], [4, hashOff], [0, 0]);
  const b = Buffer.alloc(total);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // 64-bit
  b[5] = 1; // little-endian
  b[6] = 1;
  b.writeUInt16LE(3, 16); // shared object
  b.writeUInt16LE(0x3e, 18); // x86-64
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BigInt(phoff), 32);
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(phnum, 56);
  b.writeUInt16LE(64, 58);
  const ph = (i: number, type: number, flags: number, offset: number, size: number): void => {
    const p = phoff + i * 56;
    b.writeUInt32LE(type, p);
    b.writeUInt32LE(flags, p + 4);
    b.writeBigUInt64LE(BigInt(offset), p + 8);
    b.writeBigUInt64LE(BigInt(offset), p + 16);
    b.writeBigUInt64LE(BigInt(offset), p + 24);
    b.writeBigUInt64LE(BigInt(size), p + 32);
    b.writeBigUInt64LE(BigInt(size), p + 40);
    b.writeBigUInt64LE(type === 1 ? 4096n : 8n, p + 48);
  };
  ph(0, 1, 6, 0, total); // PT_LOAD: the whole file at address = offset, read-write
  ph(1, 2, 6, dynOff, dynSize); // PT_DYNAMIC
  ph(2, 0x6474e551, 6, 0, 0); // PT_GNU_STACK: not executable
  dyn.forEach(([tag, val], i) => {
    b.writeBigInt64LE(BigInt(tag), dynOff + i * 16);
    b.writeBigUInt64LE(BigInt(val), dynOff + i * 16 + 8);
  });
  strings.forEach((s, i) => b.write(s, strOff + (offsets[i] as number), 'utf8'));
  b.writeUInt32LE(1, hashOff); // nbucket
  b.writeUInt32LE(1, hashOff + 4); // nchain
  return b;
}
