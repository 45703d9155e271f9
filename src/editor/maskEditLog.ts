/**
 * The mask document's model without VS Code: the mask, a log of patches for undo and redo, the
 * saved point (for the dirty state) and the area changed since the last save (for backups).
 * VS Code owns the undo stack; each of its edits calls `undo(edit)` or `redo(edit)` here.
 */
import { applyOp, opLabel, type EditOp } from '../protocol/editOps';
import {
  readRect,
  rectInside,
  unionRect,
  writeRect,
  type MaskBuffer,
  type Patch,
  type Rect,
} from '../protocol/maskBuffer';

/** One recorded edit: what it was called and the patch it made. */
export interface LoggedEdit {
  readonly label: string;
  readonly patch: Patch;
}

/** A change of the mask for the views: `rect` now holds `values`; the mask is at `version`. */
export interface MaskChange {
  readonly rect: Rect;
  readonly values: Uint8Array;
  readonly version: number;
}

/** The edit log of one mask. */
export class MaskEditLog {
  private edits: LoggedEdit[] = [];
  private cursor = 0;
  // Index in `edits` that matches the file on disk; undefined when no undo/redo can reach it.
  private savedCursor: number | undefined = 0;
  private _version = 0;
  private _unsavedRect: Rect | undefined;

  constructor(private _mask: MaskBuffer) {}

  /** The current mask (mutated in place by edits). */
  get mask(): MaskBuffer {
    return this._mask;
  }

  /** Counts every change of the mask; views tag their edits with the version they drew on. */
  get version(): number {
    return this._version;
  }

  /** Whether the mask differs from the saved state by the log (undoing to the save point cleans). */
  get isDirty(): boolean {
    return this.cursor !== this.savedCursor;
  }

  /** Bounding box of every pixel changed since the last save or load (a superset). */
  get unsavedRect(): Rect | undefined {
    return this._unsavedRect;
  }

  /** Applies a tool operation; returns the new edit, or undefined when nothing changed. */
  applyOp(op: EditOp): LoggedEdit | undefined {
    const patch = applyOp(this._mask, op);
    return patch ? this.record(opLabel(op), patch) : undefined;
  }

  /** Sets `rect` to `values` as one edit; undefined when nothing changed. */
  applyValues(label: string, rect: Rect, values: Uint8Array): LoggedEdit | undefined {
    if (!rectInside(rect, this._mask.width, this._mask.height)) {
      throw new RangeError('edit lies outside the mask');
    }
    const before = readRect(this._mask, rect);
    if (before.every((v, i) => v === values[i])) return undefined;
    writeRect(this._mask, rect, values);
    return this.record(label, { rect, before, after: values.slice() });
  }

  /** Reverts one edit (VS Code's undo); returns the change for the views. */
  undo(edit: LoggedEdit): MaskChange {
    const index = this.edits.indexOf(edit);
    if (index >= 0) this.cursor = index;
    return this.write(edit.patch.rect, edit.patch.before);
  }

  /** Re-applies one edit (VS Code's redo); returns the change for the views. */
  redo(edit: LoggedEdit): MaskChange {
    const index = this.edits.indexOf(edit);
    if (index >= 0) this.cursor = index + 1;
    return this.write(edit.patch.rect, edit.patch.after);
  }

  /** Where the log stands now; pass it to markSaved once the mask as it is now is written. */
  get position(): number {
    return this.cursor;
  }

  /**
   * The file on disk now holds the mask as it was at `position` (default: now). Edits made since
   * (while the file was written) stay unsaved, and the backup area keeps them.
   */
  markSaved(position = this.cursor): void {
    this.savedCursor = position;
    if (position === this.cursor) this._unsavedRect = undefined;
  }

  /**
   * Replaces the whole mask with the file's content (revert, reload, restore). As VS Code does on
   * revert, the log goes back to the save point: edits after it are dropped, those before it stay
   * so VS Code's remaining undo entries still find theirs.
   */
  reset(mask: MaskBuffer): void {
    this._mask = mask;
    this.cursor = this.savedCursor ?? 0;
    this.edits.length = this.cursor;
    this._version++;
    this.markSaved();
  }

  /** Marks `rect` as changed since the save (a document restored from a backup). */
  markUnsaved(rect: Rect): void {
    this.savedCursor = undefined;
    this._unsavedRect = unionRect(this._unsavedRect, rect);
  }

  private record(label: string, patch: Patch): LoggedEdit {
    const edit = { label, patch };
    if (this.savedCursor !== undefined && this.savedCursor > this.cursor)
      this.savedCursor = undefined;
    this.edits.length = this.cursor;
    this.edits.push(edit);
    this.cursor = this.edits.length;
    this._version++;
    this._unsavedRect = unionRect(this._unsavedRect, patch.rect);
    return edit;
  }

  private write(rect: Rect, values: Uint8Array): MaskChange {
    writeRect(this._mask, rect, values);
    this._version++;
    this._unsavedRect = unionRect(this._unsavedRect, rect);
    return { rect, values, version: this._version };
  }
}
