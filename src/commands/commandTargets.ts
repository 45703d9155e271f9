/** Turning command arguments (tree nodes, URIs, the active editor) into file paths. */
import * as vscode from 'vscode';

/** Anything a command may be called with for a file: a tree node, a URI or a path. */
function pathOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? arg.fsPath : undefined;
  if (typeof arg === 'string') return arg;
  const o = arg as { kind?: unknown; image?: unknown; dir?: unknown; root?: unknown } | null;
  if (typeof o !== 'object' || o === null) return undefined;
  if (o.kind === 'image' && typeof o.image === 'string') return o.image;
  if (o.kind === 'folder' && typeof o.dir === 'string') return o.dir;
  if (o.kind === 'root' && typeof o.root === 'string') return o.root;
  return undefined;
}

/**
 * The paths a command was called on: the multi-selection when there is one (menus pass the
 * clicked item, then all selected items), else the clicked item; [] when called from the palette.
 */
export function targetPaths(clicked: unknown, selected: unknown): string[] {
  const list = Array.isArray(selected) && selected.length ? selected : [clicked];
  return [...new Set(list.map(pathOf).filter((p): p is string => p !== undefined))];
}

/** The file of the active editor tab (text, custom or image preview), if it is a local file. */
export function activeEditorPath(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri =
    input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom
      ? input.uri
      : undefined;
  return uri?.scheme === 'file' ? uri.fsPath : undefined;
}

/** A folder to work on; `recursive` includes its sub-folders. */
export interface FolderTarget {
  readonly path: string;
  readonly recursive: boolean;
}

/**
 * The folders a command was called on: a tree folder means its own images; a workspace folder
 * node, a URI or a path means everything below it.
 */
export function targetFolders(clicked: unknown, selected: unknown): FolderTarget[] {
  const list = Array.isArray(selected) && selected.length ? selected : [clicked];
  const out = new Map<string, FolderTarget>();
  for (const arg of list) {
    const p = pathOf(arg);
    if (p === undefined) continue;
    const kind = (arg as { kind?: unknown } | null)?.kind;
    if (kind === 'image') continue;
    out.set(p, { path: p, recursive: kind !== 'folder' });
  }
  return [...out.values()];
}
