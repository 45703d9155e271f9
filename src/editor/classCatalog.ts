/**
 * The classes a mask editor offers and the colours it draws them in: the workspace's classes
 * (`.seggpt/classes.json`) by name and colour, and every other id found in the mask.
 */
import type { ClassInfo } from '../protocol/messages';

/** A class of the workspace: id, name and `#rrggbb` display colour. */
export interface WorkspaceClass {
  readonly id: number;
  readonly name: string;
  readonly color: string;
}

/** VOC's "ignore" label. */
const IGNORE_ID = 255;

/** The classes for the class picker: 0 unlabeled, the workspace's, then other ids in the mask. */
export function classCatalog(mask: Uint8Array, workspace: readonly WorkspaceClass[]): ClassInfo[] {
  const present = new Uint8Array(256);
  for (let i = 0; i < mask.length; i++) present[mask[i]] = 1;
  const named = new Map(workspace.map((c) => [c.id, c.name]));
  if (named.size === 0) present[1] = 1; // a fresh workspace still offers class 1
  const out: ClassInfo[] = [{ id: 0, name: 'unlabeled' }];
  for (let id = 1; id < 256; id++) {
    const name = named.get(id);
    if (name !== undefined) out.push({ id, name });
    else if (present[id]) out.push({ id, name: id === IGNORE_ID ? 'ignore' : `class ${id}` });
  }
  return out;
}

/** `base` (768 bytes) with the workspace's class colours written over their ids. */
export function displayPalette(base: Uint8Array, workspace: readonly WorkspaceClass[]): Uint8Array {
  const out = base.slice();
  for (const c of workspace) {
    const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c.color);
    if (!m || c.id < 0 || c.id > 255) continue;
    out.set([parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)], c.id * 3);
  }
  return out;
}
