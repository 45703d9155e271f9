/**
 * The editor's single-key shortcuts. Keys with Ctrl, Alt or Cmd are left to VS Code's own
 * keybindings (the webview forwards every key press to VS Code, so handling them here too would
 * run them twice).
 */

/** What the shortcuts do. */
export interface KeyActions {
  readonly tool: (tool: 'brush' | 'eraser' | 'fill' | 'polygon') => void;
  readonly growBrush: (factor: number) => void;
  readonly pickClass: (id: number) => void;
  readonly toggleMask: () => void;
  readonly toggleOutline: () => void;
  readonly zoom: (how: 'in' | 'out' | 'fit') => void;
  readonly pan: (dx: number, dy: number) => void;
  readonly space: (held: boolean) => void;
  readonly closePolygon: () => void;
  readonly cancel: () => void;
  readonly undoVertex: () => void;
}

const TOOL_KEYS: Record<string, 'brush' | 'eraser' | 'fill' | 'polygon'> = {
  b: 'brush',
  e: 'eraser',
  f: 'fill',
  p: 'polygon',
};

function typingInto(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el?.tagName) return false;
  const tag = el.tagName.toLowerCase();
  return (
    tag === 'input' || tag === 'textarea' || tag.startsWith('vscode-text') || el.isContentEditable
  );
}

/** Installs the shortcuts on the window. */
export function bindKeys(actions: KeyActions): void {
  window.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey || typingInto(e.target)) return;
    const key = e.key.toLowerCase();
    const step = e.shiftKey ? 200 : 50;
    let handled = true;
    if (TOOL_KEYS[key]) actions.tool(TOOL_KEYS[key]);
    else if (key === '[') actions.growBrush(1 / 1.25);
    else if (key === ']') actions.growBrush(1.25);
    else if (/^[1-9]$/.test(key)) actions.pickClass(Number(key));
    else if (key === 'm') actions.toggleMask();
    else if (key === 'o') actions.toggleOutline();
    else if (key === '+' || key === '=') actions.zoom('in');
    else if (key === '-') actions.zoom('out');
    else if (key === '0') actions.zoom('fit');
    else if (key === 'arrowleft') actions.pan(step, 0);
    else if (key === 'arrowright') actions.pan(-step, 0);
    else if (key === 'arrowup') actions.pan(0, step);
    else if (key === 'arrowdown') actions.pan(0, -step);
    else if (key === ' ') actions.space(true);
    else if (key === 'enter') actions.closePolygon();
    else if (key === 'escape') actions.cancel();
    else if (key === 'backspace') actions.undoVertex();
    else handled = false;
    if (handled) e.preventDefault();
  });
  window.addEventListener('keyup', (e) => {
    if (e.key === ' ') actions.space(false);
  });
  window.addEventListener('blur', () => actions.space(false));
}
