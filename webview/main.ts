/** Entry point of the mask editor webview bundle. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import { EditorApp } from './editorApp';
import { bindKeys } from './keyboard';

const root = document.getElementById('app');
if (root) {
  const app = new EditorApp(root);
  bindKeys({
    tool: (tool) => app.setTool(tool),
    growBrush: (factor) => app.growBrush(factor),
    pickClass: (id) => app.setClass(id),
    toggleMask: () => app.trigger('toggleMask'),
    toggleOutline: () => app.trigger('toggleOutline'),
    zoom: (how) => app.zoom(how),
    pan: (dx, dy) => app.viewport.panBy(dx, dy),
    space: (held) => (app.tools.space = held),
    closePolygon: () => app.tools.closePolygon(),
    cancel: () => app.tools.cancelPolygon(),
    undoVertex: () => app.tools.undoVertex(),
  });
  app.start().catch((err: unknown) => {
    console.error('mask editor:', err);
    root.dataset.state = 'failed';
    root.textContent = `The mask editor could not start: ${err instanceof Error ? err.message : String(err)}`;
    app.report(err);
  });
}
