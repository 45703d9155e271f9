/** Commands for prompt sets and classes: choose, use an image as prompt, remove, edit files. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activeEditorPath, targetPaths } from '../commands/commandTargets';
import type { DatasetModel } from '../dataset/datasetModel';
import { isImageFile, maskPathFor } from '../engine/maskPaths';
import { disposeAll } from '../util/dispose';
import { SELECT_PROMPT_SET_COMMAND } from './promptStatusBar';
import { PROMPTS_FILE, type PromptStore } from './promptStore';
import {
  storedPath,
  withoutImage,
  withPair,
  type PromptMode,
  type PromptSetEntry,
  type PromptSetsFile,
} from './promptSetsFile';

/** Command ids. */
export const PROMPT_COMMANDS = {
  select: SELECT_PROMPT_SET_COMMAND,
  useAsPrompt: 'seggpt.useAsPrompt',
  removeFromPrompt: 'seggpt.removeFromPrompt',
  editClasses: 'seggpt.editClasses',
  editPromptSets: 'seggpt.editPromptSets',
} as const;

function describe(set: PromptSetEntry): string {
  return `${set.pairs.length} example${set.pairs.length === 1 ? '' : 's'} · ${set.mode}`;
}

/** Asks for a new set's name and mode; undefined when dismissed. */
async function askNewSet(
  store: PromptStore,
  suggested: string,
): Promise<{ name: string; mode: PromptMode } | undefined> {
  const name = await vscode.window.showInputBox({
    title: 'New SegGPT prompt set',
    prompt: 'Name of the prompt set',
    value: suggested,
    validateInput: (v) =>
      v.trim() === ''
        ? 'Give the set a name'
        : store.sets.some((s) => s.name === v.trim())
          ? 'A set with this name exists'
          : undefined,
  });
  if (!name) return undefined;
  const mode = await vscode.window.showQuickPick(
    [
      { label: 'instance', description: 'each object apart', mode: 'instance' as const },
      { label: 'semantic', description: 'every pixel of a class alike', mode: 'semantic' as const },
    ],
    { title: `Mode of "${name.trim()}"` },
  );
  return mode ? { name: name.trim(), mode: mode.mode } : undefined;
}

/**
 * Lets the user choose the active set (or start a new, empty one); returns the chosen set, or
 * undefined when dismissed or when a new set still has no example.
 */
export async function choosePromptSet(store: PromptStore): Promise<PromptSetEntry | undefined> {
  if (store.loadProblem) {
    void vscode.window.showErrorMessage(
      `SegGPT: cannot read the prompt sets: ${store.loadProblem}`,
    );
    return undefined;
  }
  type Item = vscode.QuickPickItem & { set?: PromptSetEntry };
  const items: Item[] = store.sets.map((set) => ({
    label: set.name,
    description: describe(set) + (set.name === store.active?.name ? ' · active' : ''),
    detail: set.pairs.map((p) => path.basename(p.image)).join(', ') || 'no examples yet',
    set,
  }));
  items.push({ label: '$(add) New prompt set…', alwaysShow: true });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'SegGPT prompt set',
    placeHolder: store.sets.length
      ? 'Choose the prompt set to segment with'
      : 'No prompt sets yet: create one, then add examples with "Use as Prompt"',
  });
  if (!picked) return undefined;
  if (picked.set) {
    await store.setActive(picked.set.name);
    return store.active;
  }
  const fresh = await askNewSet(store, `prompt ${store.sets.length + 1}`);
  if (!fresh) return undefined;
  const file = {
    version: 1 as const,
    active: fresh.name,
    sets: [...store.sets, { ...fresh, pairs: [] }],
  };
  await store.update(file);
  void vscode.window.showInformationMessage(
    `SegGPT: prompt set "${fresh.name}" created. Add examples: right-click an image that has a mask → Use as Prompt.`,
  );
  return undefined;
}

/** Registers the prompt commands. */
export function registerPromptCommands(store: PromptStore, model: DatasetModel): vscode.Disposable {
  const useAsPrompt = async (clicked: unknown, selected: unknown): Promise<void> => {
    const images = targetPaths(clicked, selected);
    const active = activeEditorPath();
    if (images.length === 0 && active && isImageFile(active)) images.push(active);
    if (images.length === 0) {
      void vscode.window.showErrorMessage(
        'SegGPT: select an image (with a mask) to use as prompt.',
      );
      return;
    }
    const root = store.root;
    if (!root) {
      void vscode.window.showErrorMessage(
        'SegGPT: open a folder first: prompt sets are kept in the workspace.',
      );
      return;
    }
    const missing = images.filter((i) => !fs.existsSync(maskPathFor(i, model.maskTemplate)));
    if (missing.length) {
      void vscode.window.showErrorMessage(
        `SegGPT: ${missing.map((m) => path.basename(m)).join(', ')} ${missing.length === 1 ? 'has' : 'have'} no mask yet ` +
          `(expected ${path.basename(maskPathFor(missing[0] as string, model.maskTemplate))}). A prompt needs an image and its mask.`,
      );
      return;
    }
    const setName = store.active?.name ?? path.basename(path.dirname(images[0] as string));
    let file: PromptSetsFile = store.current;
    for (const image of images) {
      file = withPair(file, setName, {
        image: storedPath(root, image),
        mask: storedPath(root, maskPathFor(image, model.maskTemplate)),
      });
    }
    await store.update(file);
    const set = store.active;
    void vscode.window.showInformationMessage(
      `SegGPT: prompt set "${setName}" now has ${set?.pairs.length ?? images.length} example${set?.pairs.length === 1 ? '' : 's'}.`,
    );
  };

  const removeFromPrompt = async (clicked: unknown, selected: unknown): Promise<void> => {
    const root = store.root;
    const set = store.active;
    if (!root || !set) return;
    let file: PromptSetsFile = { ...store.current, active: set.name };
    for (const image of targetPaths(clicked, selected)) {
      file = withoutImage(file, set.name, storedPath(root, image));
    }
    await store.update(file);
  };

  const openStoreFile = async (file: string | undefined): Promise<void> => {
    if (!file) {
      void vscode.window.showErrorMessage('SegGPT: open a folder first.');
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  };

  const subs = [
    vscode.commands.registerCommand(PROMPT_COMMANDS.select, () => choosePromptSet(store)),
    vscode.commands.registerCommand(PROMPT_COMMANDS.useAsPrompt, useAsPrompt),
    vscode.commands.registerCommand(PROMPT_COMMANDS.removeFromPrompt, removeFromPrompt),
    vscode.commands.registerCommand(PROMPT_COMMANDS.editClasses, async () =>
      openStoreFile(store.root ? await store.ensureClassesFile() : undefined),
    ),
    vscode.commands.registerCommand(PROMPT_COMMANDS.editPromptSets, async () => {
      const file = store.filePath(PROMPTS_FILE);
      if (file && !fs.existsSync(file)) {
        await store.update(store.current);
      }
      await openStoreFile(file);
    }),
  ];
  return { dispose: () => disposeAll(subs) };
}
