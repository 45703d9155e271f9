/**
 * The dataset model: one lazily scanned index per workspace folder, mask sources, and debounced
 * file events turned into targeted change notices. No `vscode` import (benchmarked alone).
 */
import * as path from 'node:path';
import type { MaskSource } from '../engine/provenance';
import {
  DatasetIndex,
  emptyChange,
  type FileEventKind,
  type FolderCounts,
  type IndexChange,
} from './datasetIndex';
import { MaskSourceCache } from './maskSourceCache';

/** State of one image, as the explorer shows it. */
export type ImageState = 'none' | MaskSource;

/** A change notice: the root whose folders/images changed, or a full reset (`root` undefined). */
export interface DatasetChange {
  readonly root?: string;
  readonly change?: IndexChange;
}

/** Events are collected this long before the index is updated and listeners are told. */
export const DEFAULT_DEBOUNCE_MS = 150;

/** Listens to dataset changes; returns a handle to stop. */
export type ChangeListener = (e: DatasetChange) => void;

/** The model over all workspace folders. */
export class DatasetModel {
  private readonly indexes = new Map<string, Promise<DatasetIndex>>();
  private readonly sources = new MaskSourceCache();
  private readonly listeners = new Set<ChangeListener>();
  private pending: { kind: FileEventKind; file: string }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  private roots: readonly string[];

  constructor(
    roots: readonly string[],
    private template: string,
    private readonly debounceMs = DEFAULT_DEBOUNCE_MS,
  ) {
    this.roots = roots.map((r) => path.resolve(r));
  }

  /** The workspace folders. */
  get rootPaths(): readonly string[] {
    return this.roots;
  }

  /** The mask path template in use. */
  get maskTemplate(): string {
    return this.template;
  }

  /** The index of a root, scanned on first use. */
  index(root: string): Promise<DatasetIndex> {
    let p = this.indexes.get(root);
    if (!p) {
      p = DatasetIndex.scan(root, this.template);
      this.indexes.set(root, p);
    }
    return p;
  }

  /** The index of a root if its scan has finished (for synchronous tree items). */
  async indexIfScanned(root: string): Promise<DatasetIndex | undefined> {
    return this.indexes.has(root) ? this.index(root) : undefined;
  }

  /** The root folder that holds a path, if any. */
  rootOf(file: string): string | undefined {
    const abs = path.resolve(file);
    return this.roots.find((r) => abs === r || abs.startsWith(r + path.sep));
  }

  /** Reads the sources of these images' masks (those not cached yet). */
  async loadStates(index: DatasetIndex, images: readonly string[]): Promise<void> {
    await this.sources.load(images.filter((i) => index.hasMask(i)).map((i) => index.maskOf(i)));
  }

  /** How many of these images have a mask whose source is not read yet. */
  unreadSources(index: DatasetIndex, images: readonly string[]): number {
    let n = 0;
    for (const i of images) if (index.hasMask(i) && !this.sources.get(index.maskOf(i))) n++;
    return n;
  }

  /** An image's state from the index and the cached mask source (`unknown` until read). */
  imageState(index: DatasetIndex, image: string): ImageState {
    if (!index.hasMask(image)) return 'none';
    return this.sources.get(index.maskOf(image)) ?? 'unknown';
  }

  /** Counts of a folder. */
  async folderCounts(root: string, dir: string): Promise<FolderCounts> {
    return (await this.index(root)).folderCounts(dir);
  }

  /** Queues a file event; the index is updated after the debounce delay. */
  queue(kind: FileEventKind, file: string): void {
    if (!this.rootOf(file)) return;
    this.pending.push({ kind, file });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flush());
    }, this.debounceMs);
  }

  /** Applies queued events now (tests and benchmarks; the watcher relies on the timer). */
  async settle(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flush());
    }
    await this.flushing;
  }

  /** Replaces the roots or the template; everything is scanned again. */
  reset(roots: readonly string[], template: string): void {
    this.roots = roots.map((r) => path.resolve(r));
    this.template = template;
    this.indexes.clear();
    this.sources.clear();
    this.emit({});
  }

  /** Adds a change listener. */
  onDidChange(listener: ChangeListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Stops the timer and drops listeners. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
  }

  private async flush(): Promise<void> {
    const events = this.pending;
    this.pending = [];
    const changes = new Map<string, IndexChange>();
    for (const { kind, file } of events) {
      const root = this.rootOf(file);
      if (!root || !this.indexes.has(root)) continue; // not scanned yet: the scan will see it
      let change = changes.get(root);
      if (!change) changes.set(root, (change = emptyChange()));
      await (await this.index(root)).apply(kind, file, change);
    }
    for (const [root, change] of changes) {
      for (const mask of change.masks) this.sources.forget(mask);
      if (change.folders.size || change.images.size || change.structure)
        this.emit({ root, change });
    }
  }

  private emit(e: DatasetChange): void {
    for (const l of [...this.listeners]) l(e);
  }
}
