/** Reading a PNG's tEXt chunks without decoding its pixels: a few small positional reads. */
import * as fs from 'node:fs/promises';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bytes read at once from the start; chunks beyond are read where they are. */
const FIRST_READ = 64 * 1024;

/** Guards against a damaged file sending the walk round forever. */
const MAX_CHUNKS = 10_000;

/**
 * tEXt chunks (keyword → Latin-1 text) of a PNG, found by walking chunk headers and skipping
 * the image data. Returns undefined for a file that is not a PNG or cannot be read.
 */
export async function readPngText(file: string): Promise<Record<string, string> | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    // Masks compress well: one read usually holds the whole file, chunks are walked in memory.
    const first = Buffer.alloc(FIRST_READ);
    const { bytesRead } = await handle.read(first, 0, FIRST_READ, 0);
    if (bytesRead < 8 || !first.subarray(0, 8).equals(SIGNATURE)) return undefined;
    const h = handle;
    const readAt = async (pos: number, length: number): Promise<Buffer> => {
      if (pos + length <= bytesRead) return first.subarray(pos, pos + length);
      const buf = Buffer.alloc(length);
      const got = (await h.read(buf, 0, length, pos)).bytesRead;
      return buf.subarray(0, got);
    };
    const text: Record<string, string> = {};
    let pos = 8;
    for (let n = 0; n < MAX_CHUNKS; n++) {
      const head = await readAt(pos, 8);
      if (head.length < 8) break;
      const length = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (type === 'IEND') break;
      if (type === 'tEXt' && length < 1 << 20) {
        const data = await readAt(pos + 8, length);
        const nul = data.indexOf(0);
        if (nul > 0) text[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
      }
      pos += 12 + length; // length, type, data, CRC
    }
    return text;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
