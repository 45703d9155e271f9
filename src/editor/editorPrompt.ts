/**
 * The prompt the mask editor runs the model with, shared by every mask editor and kept in the
 * workspace state: either a prompt set of the workspace (followed live, `.seggpt/prompts.json`)
 * or example pairs picked by hand (file dialog, explorer, the image being edited).
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { IMAGE_EXTENSIONS, maskPathFor } from '../engine/maskPaths';
import type { PromptPair, PromptSpec } from '../engine/promptSet';
import type { PromptChange, PromptState } from '../protocol/messages';
import { readSettings } from '../settings/settings';
import { Disposable } from '../util/dispose';

/** The workspace's prompt sets and classes, as the prompts module keeps them. */
export interface WorkspacePrompts {
  names(): Promise<readonly string[]>;
  pairs(name: string): Promise<readonly PromptPair[]>;
  readonly active?: { readonly name: string; readonly mode: string };
  setActive(name: string): Promise<void>;
  readonly classes: { readonly classes: readonly { id: number; name: string; color: string }[] };
  readonly onDidChange: vscode.Event<void>;
}

interface Stored {
  /** Pairs picked by hand (used when no set is followed). */
  readonly pairs: readonly PromptPair[];
  readonly semantic: boolean;
  /** The workspace prompt set in use, if any. */
  readonly set?: string;
}

const STATE_KEY = 'seggpt.maskEditor.prompt';

/** The mask editors' prompt. */
export class EditorPrompt extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** The prompt, or the workspace's sets or classes, changed. */
  readonly onDidChange = this._onDidChange.event;
  private stored: Stored;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly workspace?: WorkspacePrompts,
  ) {
    super();
    const active = workspace?.active;
    this.stored = memento.get<Stored>(STATE_KEY) ?? {
      pairs: [],
      semantic: active?.mode === 'semantic',
      set: active?.name,
    };
    if (workspace) this._register(workspace.onDidChange(() => this._onDidChange.fire()));
  }

  /** The workspace's classes (id, name, #rrggbb colour); empty without a prompts module. */
  get classes(): readonly { id: number; name: string; color: string }[] {
    return this.workspace?.classes.classes ?? [];
  }

  /** The pairs in use now. */
  async pairs(): Promise<readonly PromptPair[]> {
    const { set } = this.stored;
    if (set && this.workspace) return this.workspace.pairs(set);
    return this.stored.pairs;
  }

  /** What the model runs with; rejects when there is no pair. */
  async spec(): Promise<PromptSpec> {
    const pairs = await this.pairs();
    if (pairs.length === 0) {
      throw new Error(
        this.stored.set
          ? `The prompt set "${this.stored.set}" has no examples (or no longer exists).`
          : 'Choose at least one prompt image with its mask first (Add… in the prompt panel).',
      );
    }
    return { pairs, semantic: this.stored.semantic };
  }

  /** The prompt as the prompt panel shows it. */
  async state(): Promise<PromptState> {
    const sets = this.workspace ? await this.workspace.names().catch(() => []) : [];
    const pairs = await this.pairs().catch(() => []);
    return {
      pairs: pairs.map((p) => ({ ...p, label: vscode.workspace.asRelativePath(p.image) })),
      semantic: this.stored.semantic,
      sets,
      activeSet: this.stored.set,
    };
  }

  /** Adds pairs by hand (an image already in the prompt is replaced). */
  async add(pairs: readonly PromptPair[]): Promise<void> {
    const current = await this.pairs();
    const kept = current.filter((p) => !pairs.some((n) => n.image === p.image));
    await this.update({ ...this.stored, pairs: [...kept, ...pairs], set: undefined });
  }

  /** Applies a change from the prompt panel; `current` is the editor's image and mask. */
  async change(change: PromptChange, current: PromptPair): Promise<void> {
    switch (change.kind) {
      case 'semantic':
        return this.update({ ...this.stored, semantic: change.value });
      case 'remove': {
        const pairs = (await this.pairs()).filter((_, i) => i !== change.index);
        return this.update({ ...this.stored, pairs, set: undefined });
      }
      case 'clear':
        return this.update({ ...this.stored, pairs: [], set: undefined });
      case 'addCurrent':
        if (!fs.existsSync(current.mask)) {
          throw new Error(
            `"${vscode.workspace.asRelativePath(current.image)}" has no saved mask yet: save it first to use it as a prompt.`,
          );
        }
        return this.add([current]);
      case 'useSet': {
        if (!this.workspace) throw new Error('This workspace has no prompt sets.');
        if (!(await this.workspace.names()).includes(change.name)) {
          throw new Error(`There is no prompt set "${change.name}".`);
        }
        await this.workspace.setActive(change.name);
        const semantic = this.workspace.active?.mode === 'semantic';
        return this.update({ ...this.stored, set: change.name, semantic });
      }
    }
  }

  /** Lets the user pick prompt images; each image's mask is found by the mask template or asked for. */
  async pick(): Promise<void> {
    const images = await vscode.window.showOpenDialog({
      canSelectMany: true,
      openLabel: 'Use as Prompt',
      title: 'Prompt images (their masks are found next to them)',
      filters: { Images: IMAGE_EXTENSIONS.map((e) => e.slice(1)) },
    });
    if (!images?.length) return;
    const pairs: PromptPair[] = [];
    for (const image of images) {
      let mask = maskPathFor(image.fsPath, readSettings(image).maskPathTemplate);
      if (!fs.existsSync(mask)) {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: 'Use as Mask',
          title: `Mask for ${vscode.workspace.asRelativePath(image)}`,
          defaultUri: vscode.Uri.joinPath(image, '..'),
          filters: { Masks: ['png', 'bmp', 'tif', 'tiff', 'jpg', 'jpeg', 'webp'] },
        });
        if (!picked?.[0]) continue;
        mask = picked[0].fsPath;
      }
      pairs.push({ image: image.fsPath, mask });
    }
    if (pairs.length) await this.add(pairs);
  }

  private async update(next: Stored): Promise<void> {
    this.stored = next;
    await this.memento.update(STATE_KEY, next);
    this._onDidChange.fire();
  }
}
