/** Which model the inference worker loads: from the settings and the installed models. */
import * as vscode from 'vscode';
import { resolveModelPlan } from '../models/resolveModel';
import { readSettings } from '../settings/settings';
import { RESTRICTED_MESSAGE } from '../settings/trust';
import { applyProviderSetting } from './providerSetting';
import type { ModelChooser } from './workerInferenceService';

/** Said when there is no model at all. */
export const NO_MODEL_MESSAGE =
  'No SegGPT model is set up. Run "SegGPT: Download Model", or "SegGPT: Import Model from File…" on an offline machine, or choose a converted model with "SegGPT: Select Model…" (setting seggpt.modelPath).';

/** A chooser reading the settings on every request, so a change applies to the next one. */
export function createModelChooser(context: vscode.ExtensionContext): ModelChooser {
  return () => {
    // The model file is code-like input: a workspace could point it anywhere.
    if (!vscode.workspace.isTrusted) return { unavailable: RESTRICTED_MESSAGE };
    const plan = resolveModelPlan(context);
    if (!plan || plan.steps.length === 0) return { unavailable: NO_MODEL_MESSAGE };
    const settings = readSettings();
    return {
      steps: applyProviderSetting(plan.steps, settings.executionProvider),
      threads: settings.threads,
    };
  };
}
