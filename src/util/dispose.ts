/** Disposal helpers shared by every owner of listeners, watchers, sessions or workers. */
import type * as vscode from 'vscode';

/** Disposes each item, collecting errors so one failure does not leak the rest. */
export function disposeAll(items: Iterable<vscode.Disposable>): void {
  const errors: unknown[] = [];
  for (const item of items) {
    try {
      item.dispose();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'errors while disposing');
}

/** Base class for objects that own disposables: register them with `_register`. */
export abstract class Disposable implements vscode.Disposable {
  private _isDisposed = false;
  protected readonly _disposables: vscode.Disposable[] = [];

  /** Disposes everything registered, once. */
  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    disposeAll(this._disposables.splice(0));
  }

  /** Takes ownership of a disposable and returns it. */
  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this._isDisposed) value.dispose();
    else this._disposables.push(value);
    return value;
  }

  /** Whether dispose() has run. */
  protected get isDisposed(): boolean {
    return this._isDisposed;
  }
}

/** Holds at most one disposable; setting a new one disposes the old. */
export class DisposableSlot<T extends vscode.Disposable> implements vscode.Disposable {
  private current: T | undefined;

  /** The held value, if any. */
  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (this.current === next) return;
    this.current?.dispose();
    this.current = next;
  }

  /** Disposes the held value. */
  dispose(): void {
    this.value = undefined;
  }
}
