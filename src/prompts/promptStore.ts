/**
 * The workspace's prompt sets and classes, kept in `.seggpt/` of the first workspace folder:
 * loaded on start, reloaded when the files change on disk, saved atomically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../engine/atomicWrite';
import type { PromptPair, PromptSpec } from '../engine/promptSet';
import { Disposable } from '../util/dispose';
import { defaultClasses, parseClasses, serializeClasses, type ClassesFile } from './classesFile';
import {
  absolutePath,
  EMPTY_PROMPT_SETS,
  parsePromptSets,
  serializePromptSets,
  toPromptSpec,
  type PromptSetEntry,
  type PromptSetsFile,
} from './promptSetsFile';

/** Folder, inside the workspace folder, that holds the files. */
export const STORE_DIR = '.seggpt';
/** File names inside it. */
export const PROMPTS_FILE = 'prompts.json';
export const CLASSES_FILE = 'classes.json';

/** Prompt sets and classes of the workspace. */
export class PromptStore extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires after the sets, the active set or the classes changed. */
  readonly onDidChange = this.changed.event;
  private readonly imagesChanged = this._register(new vscode.EventEmitter<readonly string[]>());
  /** Fires with the images that became or stopped being prompt examples. */
  readonly onDidChangePromptImages = this.imagesChanged.event;
  private file: PromptSetsFile = EMPTY_PROMPT_SETS;
  private classesFile: ClassesFile = defaultClasses();
  private promptImages = new Set<string>();
  /** Last problem reading the files (shown when a command needs the prompt). */
  private problem: string | undefined;

  constructor() {
    super();
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.reload()));
    const watcher = this._register(
      vscode.workspace.createFileSystemWatcher(`**/${STORE_DIR}/{${PROMPTS_FILE},${CLASSES_FILE}}`),
    );
    const onFile = (): void => this.reload();
    this._register(watcher.onDidChange(onFile));
    this._register(watcher.onDidCreate(onFile));
    this._register(watcher.onDidDelete(onFile));
    this.reload();
  }

  /** The workspace folder whose `.seggpt/` holds the files; undefined with no folder open. */
  get root(): string | undefined {
    const f = vscode.workspace.workspaceFolders?.find((w) => w.uri.scheme === 'file');
    return f?.uri.fsPath;
  }

  /** Path of prompts.json or classes.json (undefined with no folder open). */
  filePath(name: typeof PROMPTS_FILE | typeof CLASSES_FILE): string | undefined {
    const root = this.root;
    return root ? path.join(root, STORE_DIR, name) : undefined;
  }

  /** The whole prompts file as loaded. */
  get current(): PromptSetsFile {
    return this.file;
  }

  /** All sets. */
  get sets(): readonly PromptSetEntry[] {
    return this.file.sets;
  }

  /** The active set, if any. */
  get active(): PromptSetEntry | undefined {
    return this.file.sets.find((s) => s.name === this.file.active);
  }

  /** The classes. */
  get classes(): ClassesFile {
    return this.classesFile;
  }

  /** Why the files could not be read, if they could not. */
  get loadProblem(): string | undefined {
    return this.problem;
  }

  /** The engine prompt of a set (the active one by default). */
  spec(set: PromptSetEntry | undefined = this.active): PromptSpec | undefined {
    const root = this.root;
    return root && set ? toPromptSpec(root, set) : undefined;
  }

  /** Names of the sets (the mask editor's prompt panel lists them). */
  async names(): Promise<readonly string[]> {
    return this.file.sets.map((s) => s.name);
  }

  /** A set's pairs with absolute paths ([] for an unknown name). */
  async pairs(name: string): Promise<readonly PromptPair[]> {
    const set = this.file.sets.find((s) => s.name === name);
    return this.spec(set)?.pairs ?? [];
  }

  /** Whether an image is an example of the active set. */
  isPromptImage(image: string): boolean {
    return this.promptImages.has(path.resolve(image));
  }

  /** Makes a set active. */
  async setActive(name: string): Promise<void> {
    await this.update({ ...this.file, active: name });
  }

  /** Replaces the whole file (callers build it with promptSetsFile's helpers). */
  async update(next: PromptSetsFile): Promise<void> {
    const file = this.filePath(PROMPTS_FILE);
    if (!file) throw new Error('open a folder first: prompt sets are kept in the workspace');
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, Buffer.from(serializePromptSets(next)), { overwrite: true });
    this.apply(next, this.classesFile);
  }

  /** Writes classes.json with the default class if it does not exist; returns its path. */
  async ensureClassesFile(): Promise<string> {
    const file = this.filePath(CLASSES_FILE);
    if (!file) throw new Error('open a folder first: classes are kept in the workspace');
    if (!fs.existsSync(file)) {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, Buffer.from(serializeClasses(defaultClasses())), {
        overwrite: false,
      });
    }
    return file;
  }

  /** Reads both files again (missing files mean: no sets, default classes). */
  reload(): void {
    const problems: string[] = [];
    const read = <T>(name: string, parse: (t: string) => T, fallback: T): T => {
      const file = this.filePath(name as typeof PROMPTS_FILE);
      if (!file || !fs.existsSync(file)) return fallback;
      try {
        return parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        problems.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
        return fallback;
      }
    };
    const sets = read(PROMPTS_FILE, parsePromptSets, EMPTY_PROMPT_SETS);
    const classes = read(CLASSES_FILE, parseClasses, defaultClasses());
    this.problem = problems.length ? problems.join('; ') : undefined;
    this.apply(sets, classes);
  }

  private apply(sets: PromptSetsFile, classes: ClassesFile): void {
    const before = this.promptImages;
    this.file = sets;
    this.classesFile = classes;
    const root = this.root;
    this.promptImages = new Set(
      root ? (this.active?.pairs ?? []).map((p) => absolutePath(root, p.image)) : [],
    );
    const flipped = [...before, ...this.promptImages].filter(
      (i) => before.has(i) !== this.promptImages.has(i),
    );
    if (flipped.length) this.imagesChanged.fire(flipped);
    this.changed.fire();
  }
}
