/** The webview's handle on VS Code: messages out, and state that survives hiding the editor. */
import type { WebviewApi } from 'vscode-webview';

/** What the editor keeps across hide/show (there is no retainContextWhenHidden). */
export interface ViewState {
  readonly zoom?: number;
  readonly panX?: number;
  readonly panY?: number;
  readonly tool?: string;
  readonly brushRadius?: number;
  readonly classId?: number;
  readonly opacity?: number;
  readonly showMask?: boolean;
  readonly outline?: boolean;
  readonly acceptMode?: string;
}

declare function acquireVsCodeApi<T>(): WebviewApi<T>;

/** The API, acquired once. */
export const vscode: WebviewApi<ViewState> = acquireVsCodeApi<ViewState>();

let pending: ViewState | undefined;
let scheduled = false;

/** Merges `patch` into the saved state (written at most once per frame). */
export function saveState(patch: ViewState): void {
  pending = { ...(pending ?? vscode.getState() ?? {}), ...patch };
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    if (pending) vscode.setState(pending);
    pending = undefined;
  });
}

/** The saved state (empty on first open). */
export function loadState(): ViewState {
  return vscode.getState() ?? {};
}
