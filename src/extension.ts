/** Extension entry point: activate() only wires features; each registers its own disposables. */
import type * as vscode from 'vscode';

/** Called by VS Code when the extension activates. */
export function activate(_context: vscode.ExtensionContext): void {}

/** Called when the extension deactivates; disposables in context.subscriptions are released. */
export function deactivate(): void {}
