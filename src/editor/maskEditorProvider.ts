/**
 * The SegGPT mask editor: a custom editor whose document is an image's mask. Registered with
 * priority "option" in package.json, so the built-in image preview stays the default.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { maskPathFor } from '../engine/maskPaths';
import type { InferenceService } from '../inference/inferenceService';
import { MASK_EDITOR_VIEW_TYPE } from '../protocol/ids';
import { readSettings } from '../settings/settings';
import { Disposable } from '../util/dispose';
import { classCatalog, displayPalette } from './classCatalog';
import { EditorPanel, imageWebviewUri } from './editorPanel';
import { navigateFolder } from './folderNavigation';
import { openImageSource } from './imageSource';
import { registerEditorCommands } from './editorCommands';
import { MaskDocument } from './maskDocument';
import { MaskWatcher } from './maskWatcher';
import { ProposalController } from './proposalController';
import { EditorPrompt, type WorkspacePrompts } from './editorPrompt';
import { webviewAssetRoots, webviewHtml } from './webviewHtml';

/** The provider behind every mask editor. */
export class MaskEditorProvider
  extends Disposable
  implements vscode.CustomEditorProvider<MaskDocument>
{
  private readonly _onDidChangeCustomDocument = this._register(
    new vscode.EventEmitter<vscode.CustomDocumentEditEvent<MaskDocument>>(),
  );
  /** Tells VS Code about each edit, with its undo and redo. */
  readonly onDidChangeCustomDocument = this._onDidChangeCustomDocument.event;
  private readonly panels = new Set<EditorPanel>();
  private readonly proposals = new WeakMap<MaskDocument, ProposalController>();
  private _activePanel: EditorPanel | undefined;
  /** The prompt every mask editor uses. */
  readonly prompts: EditorPrompt;

  /** Registers the provider and the editor's commands. */
  static register(
    context: vscode.ExtensionContext,
    inference: InferenceService,
    workspacePrompts?: WorkspacePrompts,
  ): vscode.Disposable {
    const provider = new MaskEditorProvider(context, inference, workspacePrompts);
    provider._register(
      vscode.window.registerCustomEditorProvider(MASK_EDITOR_VIEW_TYPE, provider, {
        supportsMultipleEditorsPerDocument: true,
      }),
    );
    provider._register(registerEditorCommands(provider, context));
    return provider;
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly inference: InferenceService,
    workspacePrompts: WorkspacePrompts | undefined,
  ) {
    super();
    this.prompts = this._register(new EditorPrompt(context.workspaceState, workspacePrompts));
    this._register(
      this.prompts.onDidChange(() => {
        if (this.panels.size > 0) this.warmUp();
      }),
    );
  }

  /** The mask editor the user last focused, if it is still open. */
  get activePanel(): EditorPanel | undefined {
    return this._activePanel;
  }

  /** An open editor of the image `uri`, preferring the active one. */
  panelFor(uri: vscode.Uri): EditorPanel | undefined {
    const active = this._activePanel;
    if (active?.document.uri.fsPath === uri.fsPath) return active;
    return [...this.panels].find((p) => p.document.uri.fsPath === uri.fsPath);
  }

  /** The model proposal of a document. */
  proposalOf(document: MaskDocument): ProposalController {
    let controller = this.proposals.get(document);
    if (!controller) {
      controller = new ProposalController(document, this.inference);
      document.onDidDispose(() => controller?.dispose());
      this.proposals.set(document, controller);
    }
    return controller;
  }

  async openCustomDocument(
    uri: vscode.Uri,
    openContext: vscode.CustomDocumentOpenContext,
  ): Promise<MaskDocument> {
    if (uri.scheme !== 'file') {
      throw new Error(`The mask editor opens files on disk only, not ${uri.scheme}: resources.`);
    }
    const cacheDir = path.join(
      (this.context.storageUri ?? this.context.globalStorageUri).fsPath,
      'display-cache',
    );
    const started = Date.now();
    const image = await openImageSource(uri.fsPath, cacheDir);
    const maskPath = maskPathFor(uri.fsPath, readSettings(uri).maskPathTemplate);
    const document = MaskDocument.create({ uri, maskPath, image }, openContext.backupId);
    document.openMs = Date.now() - started;
    const watcher = new MaskWatcher(document, () => this.revertFromPrompt(document));
    document.onDidDispose(() => watcher.dispose());
    document.onDidEdit((edit) =>
      this._onDidChangeCustomDocument.fire({
        document,
        label: edit.label,
        undo: () => document.undo(edit),
        redo: () => document.redo(edit),
      }),
    );
    return document;
  }

  async resolveCustomEditor(
    document: MaskDocument,
    webviewPanel: vscode.WebviewPanel,
  ): Promise<void> {
    const roots = [
      ...webviewAssetRoots(this.context.extensionUri),
      vscode.Uri.file(path.dirname(document.image.displayPath)),
    ];
    webviewPanel.webview.options = { enableScripts: true, localResourceRoots: roots };
    const panel = new EditorPanel(webviewPanel, document, {
      prompts: this.prompts,
      proposal: this.proposalOf(document),
      classes: () => classCatalog(document.mask.data, this.prompts.classes),
      palette: () => displayPalette(document.palette, this.prompts.classes),
      navigate: navigateFolder,
    });
    this.panels.add(panel);
    this.warmUp();
    if (webviewPanel.active) this._activePanel = panel;
    webviewPanel.onDidChangeViewState(() => {
      if (webviewPanel.active) this._activePanel = panel;
      else if (this._activePanel === panel) this._activePanel = undefined;
    });
    webviewPanel.onDidDispose(() => {
      this.panels.delete(panel);
      if (this._activePanel === panel) this._activePanel = undefined;
      panel.dispose();
    });
    webviewPanel.webview.html = webviewHtml(
      webviewPanel.webview,
      this.context.extensionUri,
      path.basename(document.uri.fsPath),
      imageWebviewUri(webviewPanel.webview, document),
    );
  }

  saveCustomDocument(document: MaskDocument): Thenable<void> {
    return document.save();
  }

  saveCustomDocumentAs(document: MaskDocument, destination: vscode.Uri): Thenable<void> {
    return document.saveAs(destination);
  }

  revertCustomDocument(document: MaskDocument): Thenable<void> {
    this.proposalOf(document).discard();
    return document.revert();
  }

  backupCustomDocument(
    document: MaskDocument,
    context: vscode.CustomDocumentBackupContext,
  ): Thenable<vscode.CustomDocumentBackup> {
    return document.backup(context.destination);
  }

  override dispose(): void {
    for (const panel of this.panels) panel.dispose();
    this.panels.clear();
    super.dispose();
  }

  /**
   * Gets the model ready in the background when an editor opens or the prompt changes: loads it
   * if none is loaded and encodes the prompt, so that the first run waits for neither (on a GPU
   * loading is most of that wait; on a CPU encoding the prompt is about a tenth of a run). A
   * model that cannot be used (none chosen, Restricted Mode) or failed to load, and a prompt
   * with no example yet, are left as they are: the status bar and the first run say why.
   */
  private warmUp(): void {
    if (this.inference.status().state === 'error') return;
    this.prompts.spec().then(
      (spec) => this.inference.preparePrompt(spec).catch(() => undefined),
      () => {
        if (this.inference.status().state === 'idle') this.inference.load().catch(() => undefined);
      },
    );
  }

  /** Reverts through VS Code, so its dirty state clears too: shows the editor, then reverts it. */
  private async revertFromPrompt(document: MaskDocument): Promise<void> {
    const panel = [...this.panels].find((p) => p.document === document)?.panel;
    if (panel && (await activate(panel))) {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    } else {
      await document.revert(); // the content reloads; VS Code may still show it as modified
    }
  }
}

/** Reveals a panel and resolves once it is the active editor (false if not within 2 s). */
function activate(panel: vscode.WebviewPanel): Promise<boolean> {
  if (panel.active) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      listener.dispose();
      resolve(ok);
    };
    const listener = panel.onDidChangeViewState(() => panel.active && done(true));
    const timer = setTimeout(() => done(false), 2000);
    panel.reveal(undefined, false);
  });
}
