/**
 * `.seggpt/prompts.json`: the workspace's prompt sets, each one or more (image, mask) pairs with a
 * mode and optional class ids. Paths are stored relative to the workspace folder. No `vscode`.
 */
import * as path from 'node:path';
import type { PromptSpec } from '../engine/promptSet';

/** How a set segments: every instance apart, or every pixel of a class alike. */
export type PromptMode = 'instance' | 'semantic';

/** One example pair, paths as stored (relative to the workspace folder, or absolute). */
export interface StoredPair {
  readonly image: string;
  readonly mask: string;
}

/** One prompt set. */
export interface PromptSetEntry {
  readonly name: string;
  readonly mode: PromptMode;
  readonly pairs: readonly StoredPair[];
  /** Class ids (from classes.json) the set segments; absent: the ids its masks use. */
  readonly classes?: readonly number[];
}

/** The whole file. */
export interface PromptSetsFile {
  readonly version: 1;
  readonly active?: string;
  readonly sets: readonly PromptSetEntry[];
}

/** Thrown for a file that does not parse or breaks the format; the message names the problem. */
export class PromptFileError extends Error {
  override readonly name = 'PromptFileError';
}

/** An empty file. */
export const EMPTY_PROMPT_SETS: PromptSetsFile = { version: 1, sets: [] };

function fail(msg: string): never {
  throw new PromptFileError(msg);
}

function parsePair(v: unknown, where: string): StoredPair {
  const o = v as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) fail(`${where} must be an object`);
  if (typeof o.image !== 'string' || o.image === '') fail(`${where}.image must be a path`);
  if (typeof o.mask !== 'string' || o.mask === '') fail(`${where}.mask must be a path`);
  return { image: o.image, mask: o.mask };
}

function parseSet(v: unknown, i: number): PromptSetEntry {
  const where = `sets[${i}]`;
  const o = v as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) fail(`${where} must be an object`);
  if (typeof o.name !== 'string' || o.name.trim() === '') fail(`${where}.name must be a name`);
  const mode = o.mode ?? 'instance';
  if (mode !== 'instance' && mode !== 'semantic') {
    fail(`${where}.mode must be "instance" or "semantic"`);
  }
  if (!Array.isArray(o.pairs)) fail(`${where}.pairs must be a list`);
  const pairs = o.pairs.map((p, j) => parsePair(p, `${where}.pairs[${j}]`));
  let classes: number[] | undefined;
  if (o.classes !== undefined) {
    if (
      !Array.isArray(o.classes) ||
      !o.classes.every((c) => Number.isInteger(c) && (c as number) >= 1 && (c as number) <= 254)
    ) {
      fail(`${where}.classes must be a list of class ids 1..254`);
    }
    classes = o.classes as number[];
  }
  return { name: o.name, mode, pairs, ...(classes ? { classes } : {}) };
}

/** Parses the file's text; PromptFileError on any problem. */
export function parsePromptSets(text: string): PromptSetsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const o = raw as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) fail('must be a JSON object');
  if (o.version !== undefined && o.version !== 1) fail(`version ${String(o.version)} is not 1`);
  if (!Array.isArray(o.sets)) fail('"sets" must be a list');
  const sets = o.sets.map(parseSet);
  const names = new Set<string>();
  for (const s of sets) {
    if (names.has(s.name)) fail(`two prompt sets are named "${s.name}"`);
    names.add(s.name);
  }
  const active = typeof o.active === 'string' && names.has(o.active) ? o.active : undefined;
  return { version: 1, sets, ...(active ? { active } : {}) };
}

/** The file's text (stable, two-space JSON). */
export function serializePromptSets(file: PromptSetsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** A path as stored: relative to `root` when inside it (with / separators), else absolute. */
export function storedPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}

/** A stored path made absolute. */
export function absolutePath(root: string, stored: string): string {
  return path.resolve(root, stored);
}

/** The engine's prompt for a set: absolute paths, semantic flag, classes. */
export function toPromptSpec(root: string, set: PromptSetEntry): PromptSpec {
  return {
    pairs: set.pairs.map((p) => ({
      image: absolutePath(root, p.image),
      mask: absolutePath(root, p.mask),
    })),
    semantic: set.mode === 'semantic',
    ...(set.classes?.length ? { numClasses: Math.max(...set.classes) } : {}),
  };
}

/** A copy of `file` with `pair` added to the set `name` (created when missing) and made active. */
export function withPair(
  file: PromptSetsFile,
  name: string,
  pair: StoredPair,
  mode: PromptMode = 'instance',
): PromptSetsFile {
  const existing = file.sets.find((s) => s.name === name);
  const set: PromptSetEntry = existing ?? { name, mode, pairs: [] };
  const pairs = set.pairs.some((p) => p.image === pair.image)
    ? set.pairs.map((p) => (p.image === pair.image ? pair : p))
    : [...set.pairs, pair];
  const updated = { ...set, pairs };
  const sets = existing
    ? file.sets.map((s) => (s === existing ? updated : s))
    : [...file.sets, updated];
  return { ...file, sets, active: name };
}

/** A copy of `file` without the pair of `image` (stored path) in set `name`. */
export function withoutImage(file: PromptSetsFile, name: string, image: string): PromptSetsFile {
  return {
    ...file,
    sets: file.sets.map((s) =>
      s.name === name ? { ...s, pairs: s.pairs.filter((p) => p.image !== image) } : s,
    ),
  };
}
