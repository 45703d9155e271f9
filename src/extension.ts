/** Extension entry point: activate() only wires features; each registers its own disposables. */
import type * as vscode from 'vscode';
import { registerApplyPromptToFolder } from './commands/applyPromptToFolder';
import { registerEngineCommands } from './commands/engineCommands';
import { JobRegistry } from './commands/jobRegistry';
import { disposeOutputLog } from './commands/outputLog';
import { registerSegmentImage } from './commands/segmentImage';
import { registerDatasetCommands } from './dataset/datasetCommands';
import { DatasetExplorer } from './dataset/datasetExplorer';
import type { DatasetTreeProvider } from './dataset/datasetTreeProvider';
import { MaskEditorProvider } from './editor/maskEditorProvider';
import type { InferenceService } from './inference/inferenceService';
import { createModelChooser } from './inference/modelChooser';
import { WorkerInferenceService } from './inference/workerInferenceService';
import { registerModelFeatures } from './models/registerModelFeatures';
import { registerPromptCommands } from './prompts/promptCommands';
import { PromptStatusBar } from './prompts/promptStatusBar';
import { PromptStore } from './prompts/promptStore';

/** What activate() returns: handles for integration tests (and other extensions). */
export interface SegGptApi {
  readonly inference: InferenceService;
  readonly datasets: DatasetTreeProvider;
}

/** Called by VS Code when the extension activates. */
export function activate(context: vscode.ExtensionContext): SegGptApi {
  // The one inference worker every feature shares (it starts on first use).
  const inference = new WorkerInferenceService(
    context.asAbsolutePath('dist/inferenceWorker.js'),
    createModelChooser(context),
  );
  const prompts = new PromptStore();
  const explorer = DatasetExplorer.register(prompts);
  const jobs = new JobRegistry();
  context.subscriptions.push(
    inference,
    disposeOutputLog(),
    prompts,
    explorer,
    jobs,
    PromptStatusBar.register(prompts),
    registerPromptCommands(prompts, explorer.model),
    registerDatasetCommands(context, explorer),
    registerSegmentImage(context, prompts, inference, (image) => explorer.reveal(image)),
    registerApplyPromptToFolder(prompts, explorer.model, inference, jobs),
    registerEngineCommands(inference, jobs),
    registerModelFeatures(context),
    MaskEditorProvider.register(context, inference, prompts),
  );
  return { inference, datasets: explorer.provider };
}

/** Called when the extension deactivates; disposables in context.subscriptions are released. */
export function deactivate(): void {}
