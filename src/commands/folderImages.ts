/** The images of folder targets, from the dataset index (or a listing, outside the workspace). */
import * as path from 'node:path';
import type { DatasetModel } from '../dataset/datasetModel';
import { listImages } from '../engine/listImages';
import type { FolderTarget } from './commandTargets';

/** Images of the targets, sorted per folder, without duplicates. */
export async function folderImages(
  model: DatasetModel,
  targets: readonly FolderTarget[],
): Promise<string[]> {
  const out = new Set<string>();
  for (const t of targets) {
    const folder = path.resolve(t.path);
    const root = model.rootOf(folder);
    if (!root) {
      for (const i of await listImages(folder, {
        recursive: t.recursive,
        maskTemplate: model.maskTemplate,
      }))
        out.add(i);
      continue;
    }
    const index = await model.index(root);
    for (const dir of index.folders()) {
      if (
        dir === folder ||
        (t.recursive && (folder === root || dir.startsWith(folder + path.sep)))
      ) {
        for (const i of index.images(dir)) out.add(i);
      }
    }
  }
  return [...out];
}
