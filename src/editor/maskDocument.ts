/**
 * The mask editor's document: the mask of one image, its edit log, saving, reverting, backups
 * and external changes. The document's URI is the image; the mask lives at `maskPath`.
 */
import * as vscode from 'vscode';
import { vocPalette } from '../engine/palette';
import type { EditOp } from '../protocol/editOps';
import type { MaskBuffer, Rect } from '../protocol/maskBuffer';
import { Disposable } from '../util/dispose';
import type { ImageSource } from './imageSource';
import { applyBackup, decodeBackup, encodeBackup, hashMask, makeBackup } from './maskBackup';
import { MaskEditLog, type LoggedEdit, type MaskChange } from './maskEditLog';
import { diskStamp, loadMask, saveMask, sameStamp, type DiskStamp } from './maskFiles';

/** Where a document's mask and image come from. */
export interface MaskDocumentSource {
  readonly uri: vscode.Uri;
  readonly maskPath: string;
  readonly image: ImageSource;
}

/** The whole mask was replaced (revert, reload); views redraw it. */
export interface MaskReplaced {
  readonly version: number;
  readonly notice?: string;
}

/** A mask change, with the view it came from (which already shows it) if any. */
export interface OriginatedChange extends MaskChange {
  readonly origin?: unknown;
}

/** Thrown when a save would overwrite a mask that changed on disk without the user's consent. */
export class SaveConflictError extends Error {
  override readonly name = 'SaveConflictError';
}

/** One open mask. */
export class MaskDocument extends Disposable implements vscode.CustomDocument {
  private readonly _onDidEdit = this._register(new vscode.EventEmitter<LoggedEdit>());
  /** A new undoable edit (the provider forwards it to VS Code). */
  readonly onDidEdit = this._onDidEdit.event;
  private readonly _onDidChangeMask = this._register(new vscode.EventEmitter<OriginatedChange>());
  /** Part of the mask changed. */
  readonly onDidChangeMask = this._onDidChangeMask.event;
  private readonly _onDidReplaceMask = this._register(new vscode.EventEmitter<MaskReplaced>());
  /** The whole mask changed. */
  readonly onDidReplaceMask = this._onDidReplaceMask.event;
  private readonly _onDidDispose = this._register(new vscode.EventEmitter<void>());
  /** The document closed. */
  readonly onDidDispose = this._onDidDispose.event;

  private _log: MaskEditLog | undefined;
  private loadError: string | undefined;
  private baseHash = '';
  private stamp: DiskStamp | undefined;
  private filePalette: Uint8Array | undefined;
  private _notice: string | undefined;
  // Saves run one after another: a second Ctrl+S waits for the first write to finish.
  private saving: Promise<unknown> = Promise.resolve();
  private overwriteConsented = false;
  private _lastBackupId: string | undefined;
  /** How long opening took, in ms (image header, mask read and checked); set by the provider. */
  openMs = 0;
  /** Settles once the mask is loaded (or restored from a backup); rejects with why it cannot be. */
  readonly ready: Promise<void>;

  /**
   * Creates the document at once and loads its mask in the background, so VS Code can start the
   * editor's webview meanwhile: the webview waits for `ready` before it asks for the mask.
   */
  static create(source: MaskDocumentSource, backupId: string | undefined): MaskDocument {
    return new MaskDocument(source, backupId);
  }

  /** Opens the document and waits for its mask: from a backup when given, else the mask file. */
  static async open(
    source: MaskDocumentSource,
    backupId: string | undefined,
  ): Promise<MaskDocument> {
    const doc = new MaskDocument(source, backupId);
    try {
      await doc.ready;
    } catch (err) {
      doc.dispose();
      throw err;
    }
    return doc;
  }

  private constructor(
    private readonly source: MaskDocumentSource,
    backupId: string | undefined,
  ) {
    super();
    this.ready = this.load(backupId);
    this.ready.catch(() => undefined); // whoever needs the mask awaits `ready` and reports it
  }

  private async load(backupId: string | undefined): Promise<void> {
    try {
      await this.loadMask(backupId);
    } catch (err) {
      this.loadError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  private async loadMask(backupId: string | undefined): Promise<void> {
    const { maskPath, image } = this.source;
    const [stamp, loaded] = await Promise.all([
      diskStamp(maskPath),
      loadMask(maskPath, image.width, image.height),
    ]);
    this._log = new MaskEditLog(loaded.mask);
    this.baseHash = hashMask(loaded.mask);
    this.stamp = stamp;
    this.filePalette = loaded.palette;
    this._notice = loaded.notice;
    if (backupId) await this.restore(vscode.Uri.parse(backupId));
  }

  private get log(): MaskEditLog {
    if (!this._log) throw new Error(this.loadError ?? 'The mask is still loading.');
    return this._log;
  }

  /** The image. */
  get uri(): vscode.Uri {
    return this.source.uri;
  }

  /** Absolute path of the mask file (which may not exist yet). */
  get maskPath(): string {
    return this.source.maskPath;
  }

  /** The image's size and displayable file. */
  get image(): ImageSource {
    return this.source.image;
  }

  /** The current mask (do not mutate). */
  get mask(): MaskBuffer {
    return this.log.mask;
  }

  /** Version of the mask, counting every change. */
  get version(): number {
    return this._log?.version ?? 0;
  }

  /** Whether there are unsaved edits. */
  get isDirty(): boolean {
    return this._log?.isDirty ?? false;
  }

  /** What the user should know about the mask, if anything. */
  get notice(): string | undefined {
    return this._notice;
  }

  /** Id of the latest hot-exit backup written (for diagnostics and tests). */
  get lastBackupId(): string | undefined {
    return this._lastBackupId;
  }

  /** Display colours: the mask file's own palette, VOC colours for the rest (768 bytes). */
  get palette(): Uint8Array {
    const out = vocPalette();
    if (this.filePalette) out.set(this.filePalette.subarray(0, out.length));
    return out;
  }

  /** Applies a tool operation sent by a view; returns the edit (undefined if nothing changed). */
  applyOp(op: EditOp, origin?: unknown): LoggedEdit | undefined {
    const edit = this.log.applyOp(op);
    if (edit) this.announce(edit, edit.patch.after, origin);
    return edit;
  }

  /** Sets a rectangle of the mask as one edit (an accepted proposal). */
  applyValues(label: string, rect: Rect, values: Uint8Array): LoggedEdit | undefined {
    const edit = this.log.applyValues(label, rect, values);
    if (edit) this.announce(edit, values, undefined);
    return edit;
  }

  /** VS Code's undo of `edit`. */
  undo(edit: LoggedEdit): void {
    this._onDidChangeMask.fire(this.log.undo(edit));
  }

  /** VS Code's redo of `edit`. */
  redo(edit: LoggedEdit): void {
    this._onDidChangeMask.fire(this.log.redo(edit));
  }

  /** Saves to the mask file. Refuses (SaveConflictError) to overwrite an unseen external change. */
  save(): Promise<void> {
    return this.serialize(async () => {
      await this.ready;
      const onDisk = await diskStamp(this.maskPath);
      if (!sameStamp(onDisk, this.stamp) && !this.overwriteConsented) {
        const overwrite = 'Overwrite';
        const answer = await vscode.window.showWarningMessage(
          `"${this.maskPath}" changed on disk since it was opened. Overwrite it with your edits?`,
          { modal: true },
          overwrite,
        );
        if (answer !== overwrite) {
          throw new SaveConflictError(`Not saved: "${this.maskPath}" changed on disk.`);
        }
      }
      await this.writeTo(this.maskPath);
    });
  }

  /** Saves the mask to another file (Save As); the document's own mask file is left alone. */
  saveAs(destination: vscode.Uri): Promise<void> {
    if (destination.fsPath === this.uri.fsPath) {
      return Promise.reject(
        new Error('Save As would overwrite the image itself; choose a mask file name.'),
      );
    }
    if (!destination.fsPath.toLowerCase().endsWith('.png')) {
      return Promise.reject(
        new Error('Masks are palette PNGs: choose a file name ending in .png.'),
      );
    }
    return this.serialize(async () => {
      await this.ready;
      await saveMask(destination.fsPath, this.mask, this.filePalette);
    });
  }

  /** Reloads the mask file, dropping unsaved edits (Revert, or reload after an external change). */
  async revert(notice?: string): Promise<void> {
    const stamp = await diskStamp(this.maskPath);
    const loaded = await loadMask(this.maskPath, this.image.width, this.image.height);
    this.stamp = stamp;
    this.filePalette = loaded.palette;
    this._notice = notice ?? loaded.notice;
    this.baseHash = hashMask(loaded.mask);
    this.overwriteConsented = false;
    if (this._log) this._log.reset(loaded.mask);
    else this._log = new MaskEditLog(loaded.mask); // the first load had failed
    this._onDidReplaceMask.fire({ version: this.log.version, notice: this._notice });
  }

  /** Writes the unsaved part of the mask to `destination` for hot exit. */
  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    await this.ready;
    const bytes = encodeBackup(makeBackup(this.mask, this.baseHash, this.log.unsavedRect));
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(destination, '..'));
    await vscode.workspace.fs.writeFile(destination, bytes);
    this._lastBackupId = destination.toString();
    return {
      id: destination.toString(),
      delete: () => void vscode.workspace.fs.delete(destination).then(undefined, () => undefined),
    };
  }

  /**
   * Looks at the mask file after a file event: ignores our own writes; reloads a clean document;
   * on a dirty one, asks whether to reload or keep the edits.
   */
  async checkDisk(reload: () => Thenable<unknown>): Promise<void> {
    await this.saving; // our own write is not an external change
    if (!this._log) return; // still loading (it reads the new file) or failed to load
    const onDisk = await diskStamp(this.maskPath);
    if (sameStamp(onDisk, this.stamp) || this.isDisposed) return;
    if (!this.isDirty) {
      await this.revert(
        onDisk ? 'The mask changed on disk and was reloaded.' : 'The mask file was deleted.',
      );
      return;
    }
    const reloadItem = 'Reload from Disk';
    const keep = 'Keep My Edits';
    const answer = await vscode.window.showWarningMessage(
      `"${this.maskPath}" changed on disk while you have unsaved edits.`,
      reloadItem,
      keep,
    );
    if (answer === reloadItem) await reload();
    else if (answer === keep) this.overwriteConsented = true;
  }

  override dispose(): void {
    this._onDidDispose.fire();
    super.dispose();
  }

  private announce(edit: LoggedEdit, values: Uint8Array, origin: unknown): void {
    this._onDidEdit.fire(edit);
    this._onDidChangeMask.fire({
      rect: edit.patch.rect,
      values,
      version: this.log.version,
      origin,
    });
  }

  private serialize(work: () => Promise<void>): Promise<void> {
    const next = this.saving.then(work, work);
    this.saving = next.catch(() => undefined);
    return next;
  }

  private async writeTo(path: string): Promise<void> {
    const snapshot = { ...this.mask, data: this.mask.data.slice() };
    const position = this.log.position;
    this.stamp = await saveMask(path, snapshot, this.filePalette);
    this.baseHash = hashMask(snapshot);
    this.overwriteConsented = false;
    this.log.markSaved(position);
  }

  private async restore(backupUri: vscode.Uri): Promise<void> {
    const backup = decodeBackup(await vscode.workspace.fs.readFile(backupUri));
    const { mask, exact } = applyBackup(this.mask, backup);
    this.log.reset(mask);
    if (backup.rect) this.log.markUnsaved(backup.rect);
    if (!exact) {
      this._notice =
        'The mask file changed on disk after these unsaved edits were backed up: your edited area was kept over the new file. Review before saving.';
    }
  }
}
