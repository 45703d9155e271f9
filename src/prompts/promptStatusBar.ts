/** The status bar item: the active prompt set (or why inference is off); click to choose. */
import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { PromptStore } from './promptStore';

/** Command the item runs. */
export const SELECT_PROMPT_SET_COMMAND = 'seggpt.selectPromptSet';

/** Shows the active prompt set in the status bar and keeps it current. */
export class PromptStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  private constructor(private readonly store: PromptStore) {
    super();
    this.item = this._register(
      vscode.window.createStatusBarItem('seggpt.promptSet', vscode.StatusBarAlignment.Left, 50),
    );
    this.item.name = 'SegGPT Prompt Set';
    this._register(store.onDidChange(() => this.render()));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.render()));
    this.render();
    this.item.show();
  }

  /** Creates the item. */
  static register(store: PromptStore): PromptStatusBar {
    return new PromptStatusBar(store);
  }

  private render(): void {
    const set = this.store.active;
    if (!vscode.workspace.isTrusted) {
      this.item.text = '$(shield) SegGPT: Restricted';
      this.item.tooltip =
        'SegGPT does not run a model in Restricted Mode. Trust this workspace to segment images.';
      this.item.command = 'workbench.trust.manage';
      return;
    }
    this.item.command = SELECT_PROMPT_SET_COMMAND;
    if (this.store.loadProblem) {
      this.item.text = '$(warning) SegGPT: prompt file error';
      this.item.tooltip = this.store.loadProblem;
    } else if (!set) {
      this.item.text = '$(sparkle) SegGPT: no prompt';
      this.item.tooltip = 'No prompt set chosen: click to choose or create one';
    } else {
      const n = set.pairs.length;
      this.item.text = `$(sparkle) ${set.name} · ${n}`;
      this.item.tooltip = `SegGPT prompt set "${set.name}": ${n} example${n === 1 ? '' : 's'}, ${set.mode}. Click to choose another.`;
    }
  }
}
