/** Who made each mask (model, person, unknown), read from its tEXt chunks and cached. */
import { maskSource, type MaskSource } from '../engine/provenance';

/** How many mask files are read at once. */
const CONCURRENCY = 32;

/**
 * Cached mask sources. Entries stay until `forget` (the watcher calls it when a mask is created,
 * changed or deleted), so a refresh does not touch the disk for masks it has seen.
 */
export class MaskSourceCache {
  private readonly sources = new Map<string, MaskSource>();

  /** The cached source of a mask, if read. */
  get(mask: string): MaskSource | undefined {
    return this.sources.get(mask);
  }

  /** Reads the sources of the masks not cached yet. */
  async load(masks: Iterable<string>): Promise<void> {
    const todo = [...masks].filter((m) => !this.sources.has(m));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const mask = todo[next++] as string;
        this.sources.set(mask, await maskSource(mask));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
  }

  /** Drops a mask from the cache (it changed or went away). */
  forget(mask: string): void {
    this.sources.delete(mask);
  }

  /** Drops everything. */
  clear(): void {
    this.sources.clear();
  }
}
