/**
 * The prompt the mask editor runs the model with: example image + mask pairs and the semantic
 * switch, shared by every mask editor and kept in the workspace state. Pairs come from the
 * workspace's prompt sets, from the explorer, or from a file dialog.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { IMAGE_EXTENSIONS, maskPathFor } from '../engine/maskPaths';
import type { PromptPair, PromptSpec } from '../engine/promptSet';
import type { PromptChange, PromptState } from '../protocol/messages';
import { readSettings } from '../settings/settings';
import { Disposable } from '../util/dispose';

/** Named prompt sets of the workspace (`.seggpt/prompts.json`), as another module keeps them. */
export interface PromptSetSource {
  names(): Promise<readonly string[]>;
  pairs(name: string): Promise<readonly PromptPair[]>;
  readonly onDidChange?: vscode.Event<unknown>;
}

interface Stored {
  readonly pairs: readonly PromptPair[];
  readonly semantic: boolean;
  readonly activeSet?: string;
}

const STATE_KEY = 'seggpt.maskEditor.prompt';

/** The current prompt. */
export class PromptStore extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** The prompt or the list of sets changed. */
  readonly onDidChange = this._onDidChange.event;
  private stored: Stored;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly sets?: PromptSetSource,
  ) {
    super();
    this.stored = memento.get<Stored>(STATE_KEY) ?? { pairs: [], semantic: false };
    if (sets?.onDidChange) this._register(sets.onDidChange(() => this._onDidChange.fire()));
  }

  /** What the model runs with; throws when no pair is chosen. */
  spec(): PromptSpec {
    if (this.stored.pairs.length === 0) {
      throw new Error(
        'Choose at least one prompt image with its mask first (Add… in the prompt panel).',
      );
    }
    return { pairs: this.stored.pairs, semantic: this.stored.semantic };
  }

  /** The prompt as the prompt panel shows it. */
  async state(): Promise<PromptState> {
    const sets = this.sets ? await this.sets.names().catch(() => []) : [];
    return {
      pairs: this.stored.pairs.map((p) => ({
        ...p,
        label: vscode.workspace.asRelativePath(p.image),
      })),
      semantic: this.stored.semantic,
      sets,
      activeSet: this.stored.activeSet,
    };
  }

  /** Adds pairs (duplicates of an image already in the prompt replace it). */
  async add(pairs: readonly PromptPair[]): Promise<void> {
    const kept = this.stored.pairs.filter((p) => !pairs.some((n) => n.image === p.image));
    await this.update({ ...this.stored, pairs: [...kept, ...pairs], activeSet: undefined });
  }

  /** Applies a change from the prompt panel; `current` is the editor's image and mask. */
  async change(change: PromptChange, current: PromptPair): Promise<void> {
    switch (change.kind) {
      case 'semantic':
        return this.update({ ...this.stored, semantic: change.value });
      case 'remove':
        return this.update({
          ...this.stored,
          pairs: this.stored.pairs.filter((_, i) => i !== change.index),
          activeSet: undefined,
        });
      case 'clear':
        return this.update({ ...this.stored, pairs: [], activeSet: undefined });
      case 'addCurrent':
        if (!fs.existsSync(current.mask)) {
          throw new Error(
            `"${vscode.workspace.asRelativePath(current.image)}" has no saved mask yet: save it first to use it as a prompt.`,
          );
        }
        return this.add([current]);
      case 'useSet': {
        if (!this.sets) throw new Error('This workspace has no prompt sets.');
        const pairs = await this.sets.pairs(change.name);
        return this.update({ ...this.stored, pairs, activeSet: change.name });
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
      const template = readSettings(image).maskPathTemplate;
      let mask = maskPathFor(image.fsPath, template);
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
