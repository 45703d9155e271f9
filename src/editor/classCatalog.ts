/** The classes a mask editor offers: the ids in the mask, named, plus class 1 for a new mask. */
import type { ClassInfo } from '../protocol/messages';
import type { MaskDocument } from './maskDocument';

/** VOC's "ignore" label. */
const IGNORE_ID = 255;

/** Names of class ids for the class picker: 0 unlabeled, 255 ignore, the rest "class N". */
export function classCatalog(document: Pick<MaskDocument, 'mask'>): ClassInfo[] {
  const present = new Uint8Array(256);
  const data = document.mask.data;
  for (let i = 0; i < data.length; i++) present[data[i]] = 1;
  present[1] = 1;
  const out: ClassInfo[] = [{ id: 0, name: 'unlabeled' }];
  for (let id = 1; id < 256; id++) {
    if (present[id]) out.push({ id, name: id === IGNORE_ID ? 'ignore' : `class ${id}` });
  }
  return out;
}
