/** Identifiers shared by the extension host, its tests and the webview (no vscode/Node/DOM imports). */

/** The extension's id prefix for commands, views, settings and editors. */
export const EXTENSION_PREFIX = 'seggpt';

/** View type of the mask editor (custom editor). */
export const MASK_EDITOR_VIEW_TYPE = 'seggpt.maskEditor';

/** Id of the dataset tree view in the Explorer. */
export const DATASETS_VIEW_ID = 'seggpt.datasets';
