/**
 * The images of one workspace folder: which folders hold images, which images have masks. Built
 * by one scan, then kept current by file events (no `vscode` import, so it is benchmarked alone).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { isImageFile, maskMatcher, maskPathFor } from '../engine/maskPaths';

/** Masked and total image counts. */
export interface FolderCounts {
  readonly masked: number;
  readonly total: number;
}

/** What a batch of file events changed, for targeted tree refreshes. */
export interface IndexChange {
  /** Folders whose image list or counts changed. */
  readonly folders: Set<string>;
  /** Images whose mask appeared, went away or changed. */
  readonly images: Set<string>;
  /** Masks created, changed or deleted (their cached provenance is stale). */
  readonly masks: Set<string>;
  /** Whether the set of folders holding images changed. */
  structure: boolean;
}

/** A file event: created, changed or deleted. */
export type FileEventKind = 'created' | 'changed' | 'deleted';

interface DirEntry {
  /** Names of every file in the folder. */
  readonly files: Set<string>;
  /** Names of the image files (masks excluded). */
  readonly images: Set<string>;
}

/** Folder names never scanned: hidden folders and dependency trees. */
function skipDir(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

/** An empty change record. */
export function emptyChange(): IndexChange {
  return { folders: new Set(), images: new Set(), masks: new Set(), structure: false };
}

/** The index of one root folder. */
export class DatasetIndex {
  private readonly dirs = new Map<string, DirEntry>();
  /** mask path → image path, for every image (so a mask event finds its image). */
  private readonly owners = new Map<string, string>();
  private readonly isMask: (file: string) => boolean;
  private readonly counts = new Map<string, FolderCounts>();
  private readonly sorted = new Map<string, readonly string[]>();
  /** image path → its mask's path, folder and name (the template is applied once per image). */
  private readonly masks = new Map<string, { path: string; dir: string; name: string }>();

  private constructor(
    readonly root: string,
    readonly template: string,
  ) {
    this.isMask = maskMatcher(template);
  }

  /** Scans `root` recursively (hidden folders and node_modules left out). */
  static async scan(root: string, template: string): Promise<DatasetIndex> {
    const index = new DatasetIndex(path.resolve(root), template);
    await index.scanDir(index.root);
    return index;
  }

  /** Folders that hold at least one image, sorted. */
  folders(): string[] {
    const out: string[] = [];
    for (const [dir, entry] of this.dirs) if (entry.images.size > 0) out.push(dir);
    return out.sort();
  }

  /** Images of a folder (absolute paths, sorted by name). */
  images(dir: string): readonly string[] {
    let list = this.sorted.get(dir);
    if (!list) {
      const entry = this.dirs.get(dir);
      list = [...(entry?.images ?? [])].sort(compareNames).map((name) => path.join(dir, name));
      this.sorted.set(dir, list);
    }
    return list;
  }

  /** The mask path of an image under the template (remembered for listed images). */
  maskOf(image: string): string {
    return this.masks.get(image)?.path ?? maskPathFor(image, this.template);
  }

  /** Whether the image's mask file exists (as far as the scan and events know). */
  hasMask(image: string): boolean {
    const m = this.masks.get(image);
    if (!m) return this.fileExists(maskPathFor(image, this.template));
    return this.dirs.get(m.dir)?.files.has(m.name) ?? false;
  }

  /** Whether a path is a mask under the template. */
  isMaskFile(file: string): boolean {
    return this.isMask(file);
  }

  /** Whether a path is an image the index lists. */
  hasImage(image: string): boolean {
    return this.dirs.get(path.dirname(image))?.images.has(path.basename(image)) ?? false;
  }

  /** Masked/total images of a folder (cached until the folder changes). */
  folderCounts(dir: string): FolderCounts {
    let c = this.counts.get(dir);
    if (!c) {
      const entry = this.dirs.get(dir);
      let masked = 0;
      for (const name of entry?.images ?? []) if (this.hasMask(path.join(dir, name))) masked++;
      c = { masked, total: entry?.images.size ?? 0 };
      this.counts.set(dir, c);
    }
    return c;
  }

  /** Masked/total over the whole root. */
  totalCounts(): FolderCounts {
    let masked = 0;
    let total = 0;
    for (const dir of this.folders()) {
      const c = this.folderCounts(dir);
      masked += c.masked;
      total += c.total;
    }
    return { masked, total };
  }

  /** Applies one file event; records what changed in `change`. */
  async apply(kind: FileEventKind, file: string, change: IndexChange): Promise<void> {
    const abs = path.resolve(file);
    if (abs !== this.root && !abs.startsWith(this.root + path.sep)) return;
    if (kind === 'deleted' && !this.fileExists(abs)) {
      this.removeTree(abs, change);
      return;
    }
    if (kind === 'created') {
      const stat = await fs.stat(abs).catch(() => undefined);
      if (stat?.isDirectory()) {
        if (!path.relative(this.root, abs).split(path.sep).some(skipDir)) {
          await this.scanDir(abs, change);
        }
        return;
      }
      if (!stat) return; // gone again before we looked
    }
    this.applyFile(kind, abs, change);
  }

  private applyFile(kind: FileEventKind, file: string, change: IndexChange): void {
    const dir = path.dirname(file);
    const name = path.basename(file);
    if (path.relative(this.root, dir).split(path.sep).some(skipDir)) return;
    if (kind !== 'changed') {
      const entry = this.entry(dir);
      if (kind === 'created') entry.files.add(name);
      else entry.files.delete(name);
      if (isImageFile(name) && !this.isMask(file)) {
        const had = entry.images.size > 0;
        if (kind === 'created') this.addImage(entry, dir, name);
        else {
          entry.images.delete(name);
          this.owners.delete(this.maskOf(file));
          this.masks.delete(file);
        }
        this.invalidate(dir, true);
        change.folders.add(dir);
        if (had !== entry.images.size > 0) change.structure = true;
      }
    }
    this.noteMask(file, change);
    if (this.isMask(file)) change.masks.add(file);
  }

  private async scanDir(dir: string, change?: IndexChange): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable or gone: nothing to list
    }
    const entry = this.entry(dir);
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!skipDir(e.name)) subdirs.push(path.join(dir, e.name));
      } else if (e.isFile() || e.isSymbolicLink()) {
        entry.files.add(e.name);
        const full = path.join(dir, e.name);
        if (isImageFile(e.name) && !this.isMask(full)) this.addImage(entry, dir, e.name);
        if (change) this.noteMask(full, change);
      }
    }
    this.invalidate(dir, true);
    if (change && entry.images.size > 0) {
      change.folders.add(dir);
      change.structure = true;
    }
    // Breadth in parallel, a few folders at a time, keeps the disk busy without flooding it.
    for (let i = 0; i < subdirs.length; i += 8) {
      await Promise.all(subdirs.slice(i, i + 8).map((d) => this.scanDir(d, change)));
    }
  }

  private addImage(entry: DirEntry, dir: string, name: string): void {
    entry.images.add(name);
    const image = path.join(dir, name);
    const mask = maskPathFor(image, this.template);
    this.masks.set(image, { path: mask, dir: path.dirname(mask), name: path.basename(mask) });
    this.owners.set(mask, image);
  }

  /** Removes a deleted folder and everything under it (nothing when it was no known folder). */
  private removeTree(abs: string, change: IndexChange): void {
    for (const [dir, entry] of [...this.dirs]) {
      if (dir !== abs && !dir.startsWith(abs + path.sep)) continue;
      for (const name of entry.images) {
        const image = path.join(dir, name);
        this.owners.delete(this.maskOf(image));
        this.masks.delete(image);
        change.images.add(image);
      }
      if (entry.images.size > 0) change.structure = true;
      this.dirs.delete(dir);
      this.invalidate(dir, true);
      for (const name of entry.files) this.noteMask(path.join(dir, name), change);
      change.folders.add(dir);
    }
  }

  /** Records a mask file event against its image, if it belongs to one. */
  private noteMask(file: string, change: IndexChange): void {
    const owner = this.owners.get(file);
    if (!owner) return;
    change.images.add(owner);
    change.masks.add(file);
    change.folders.add(path.dirname(owner));
    this.invalidate(path.dirname(owner));
  }

  /** Drops cached counts (and the sorted list, when the images themselves changed). */
  private invalidate(dir: string, images = false): void {
    this.counts.delete(dir);
    if (images) this.sorted.delete(dir);
  }

  private fileExists(file: string): boolean {
    return this.dirs.get(path.dirname(file))?.files.has(path.basename(file)) ?? false;
  }

  private entry(dir: string): DirEntry {
    let e = this.dirs.get(dir);
    if (!e) {
      e = { files: new Set(), images: new Set() };
      this.dirs.set(dir, e);
    }
    return e;
  }
}

/** Natural order, so img2 comes before img10. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
function compareNames(a: string, b: string): number {
  return collator.compare(a, b);
}
