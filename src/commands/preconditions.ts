/** What a command checks before it runs the model, each with a plain message and a way out. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptSpec } from '../engine/promptSet';
import { modelProvenance } from '../engine/provenance';
import type { EngineStatus } from '../inference/inferenceService';
import { CancelledError, InferenceUnavailableError } from '../inference/workerInferenceService';
import { choosePromptSet } from '../prompts/promptCommands';
import type { PromptSetEntry } from '../prompts/promptSetsFile';
import type { PromptStore } from '../prompts/promptStore';
import { outputLog } from './outputLog';

export { requireTrust } from '../settings/trust';

/** Command that lets the user pick a model file. */
export const SELECT_MODEL_COMMAND = 'seggpt.selectModel';

/** The active prompt set and its engine prompt; asks for one when none is active. */
export async function requirePrompt(
  store: PromptStore,
): Promise<{ set: PromptSetEntry; spec: PromptSpec } | undefined> {
  if (store.loadProblem) {
    void vscode.window.showErrorMessage(
      `SegGPT: cannot read the prompt sets: ${store.loadProblem}`,
    );
    return undefined;
  }
  const set = store.active ?? (await choosePromptSet(store));
  if (!set) return undefined;
  const spec = store.spec(set);
  if (!spec || spec.pairs.length === 0) {
    void vscode.window.showErrorMessage(
      `SegGPT: the prompt set "${set.name}" has no examples yet. Right-click an image that has a mask in the SegGPT Datasets view → Use as Prompt.`,
    );
    return undefined;
  }
  return { set, spec };
}

/** Provenance chunks for masks made with this set by the loaded model. */
export async function provenanceFor(
  set: PromptSetEntry,
  status: EngineStatus,
): Promise<Record<string, string>> {
  const model = status.modelPath ? path.basename(status.modelPath) : 'unknown model';
  return modelProvenance(
    model,
    JSON.stringify({ set: set.name, mode: set.mode, pairs: set.pairs, classes: set.classes }),
  );
}

/**
 * Shows an inference failure without holding up the caller: quiet for a cancel, a "Select
 * Model…" button when there is no model, "Show Log" otherwise.
 */
export function reportInferenceError(what: string, err: unknown): void {
  if (err instanceof CancelledError) return;
  const msg = err instanceof Error ? err.message : String(err);
  outputLog().error(`${what}: ${msg}`);
  if (err instanceof InferenceUnavailableError) {
    const select = 'Select Model…';
    void vscode.window.showErrorMessage(`SegGPT: ${msg}`, select).then((choice) => {
      if (choice === select) void vscode.commands.executeCommand(SELECT_MODEL_COMMAND);
    });
    return;
  }
  const log = 'Show Log';
  void vscode.window.showErrorMessage(`SegGPT: ${what}: ${msg}`, log).then((choice) => {
    if (choice === log) outputLog().show(true);
  });
}
