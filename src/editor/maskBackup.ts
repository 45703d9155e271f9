/**
 * Hot-exit backups of a mask: only the area changed since the last save, deflated, plus a hash of
 * the saved mask it applies to. Restoring onto a mask file that changed since keeps the user's
 * changed area and says so.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  readRect,
  rectInside,
  writeRect,
  type MaskBuffer,
  type Rect,
} from '../protocol/maskBuffer';

const MAGIC = 'SGPTMBK1';
const HEADER_OFFSET = MAGIC.length + 4;

/** The content of one backup. */
export interface MaskBackup {
  readonly width: number;
  readonly height: number;
  /** Hash (hashMask) of the saved mask the change applies to. */
  readonly baseHash: string;
  /** The changed area and its values; absent when nothing differs from the saved mask. */
  readonly rect?: Rect;
  readonly values?: Uint8Array;
}

/** Thrown for a backup file that cannot be read back. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** A content hash of a mask's pixels and size. */
export function hashMask(mask: MaskBuffer): string {
  return createHash('sha1').update(`${mask.width}x${mask.height}:`).update(mask.data).digest('hex');
}

/** The backup of `mask` whose unsaved changes lie within `unsaved`. */
export function makeBackup(
  mask: MaskBuffer,
  baseHash: string,
  unsaved: Rect | undefined,
): MaskBackup {
  const { width, height } = mask;
  if (!unsaved) return { width, height, baseHash };
  return { width, height, baseHash, rect: unsaved, values: readRect(mask, unsaved) };
}

/** Serializes a backup: magic, header length, JSON header, deflated values. */
export function encodeBackup(backup: MaskBackup): Uint8Array {
  const { values, ...header } = backup;
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const body = values ? deflateRawSync(values, { level: 1 }) : Buffer.alloc(0);
  const out = Buffer.alloc(HEADER_OFFSET + json.length + body.length);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, HEADER_OFFSET);
  body.copy(out, HEADER_OFFSET + json.length);
  return out;
}

/** Parses a backup written by encodeBackup; BackupError for anything else. */
export function decodeBackup(bytes: Uint8Array): MaskBackup {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_OFFSET || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new BackupError('not a mask editor backup');
  }
  const length = buf.readUInt32LE(MAGIC.length);
  let header: Omit<MaskBackup, 'values'>;
  try {
    header = JSON.parse(buf.toString('utf8', HEADER_OFFSET, HEADER_OFFSET + length));
  } catch {
    throw new BackupError('backup header is damaged');
  }
  const { width, height, baseHash, rect } = header;
  if (!Number.isInteger(width) || !Number.isInteger(height) || typeof baseHash !== 'string') {
    throw new BackupError('backup header is incomplete');
  }
  if (!rect) return { width, height, baseHash };
  if (!rectInside(rect, width, height)) throw new BackupError('backup area lies outside the mask');
  let values: Uint8Array;
  try {
    values = new Uint8Array(inflateRawSync(buf.subarray(HEADER_OFFSET + length)));
  } catch {
    throw new BackupError('backup data is damaged');
  }
  if (values.length !== rect.w * rect.h) throw new BackupError('backup data is truncated');
  return { width, height, baseHash, rect, values };
}

/**
 * The restored mask: `base` (the mask file as it is now) with the backup's area written over it.
 * `exact` is false when the file changed since the backup, so only the edited area is the user's.
 */
export function applyBackup(
  base: MaskBuffer,
  backup: MaskBackup,
): { mask: MaskBuffer; exact: boolean } {
  if (base.width !== backup.width || base.height !== backup.height) {
    throw new BackupError(
      `backup is for a ${backup.width}×${backup.height} mask, the mask is now ${base.width}×${base.height}`,
    );
  }
  const exact = hashMask(base) === backup.baseHash;
  const mask = { width: base.width, height: base.height, data: base.data.slice() };
  if (backup.rect && backup.values) writeRect(mask, backup.rect, backup.values);
  return { mask, exact };
}
