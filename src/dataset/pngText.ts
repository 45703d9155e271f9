/** Reading a PNG's tEXt chunks without decoding its pixels: a few small positional reads. */
import * as fs from 'node:fs/promises';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

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
    const head = Buffer.alloc(8);
    if ((await handle.read(head, 0, 8, 0)).bytesRead < 8 || !head.equals(SIGNATURE)) {
      return undefined;
    }
    const text: Record<string, string> = {};
    let pos = 8;
    for (let n = 0; n < MAX_CHUNKS; n++) {
      if ((await handle.read(head, 0, 8, pos)).bytesRead < 8) break;
      const length = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (type === 'IEND') break;
      if (type === 'tEXt' && length < 1 << 20) {
        const data = Buffer.alloc(length);
        await handle.read(data, 0, length, pos + 8);
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
