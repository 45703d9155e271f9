/** "Select Model…", "Show Engine Status" and "Cancel Running Jobs". */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineStatus, InferenceService } from '../inference/inferenceService';
import { SECTION, SETTING } from '../settings/settingKeys';
import { disposeAll } from '../util/dispose';
import type { JobRegistry } from './jobRegistry';
import { outputLog } from './outputLog';
import { reportInferenceError, SELECT_MODEL_COMMAND } from './preconditions';

/** Command ids. */
export const ENGINE_COMMANDS = {
  selectModel: SELECT_MODEL_COMMAND,
  showStatus: 'seggpt.showEngineStatus',
  cancelJobs: 'seggpt.cancelJobs',
} as const;

/** The status as lines of text (the log and the message's detail). */
export function describeStatus(s: EngineStatus): string[] {
  const lines = [`state: ${s.state}`];
  if (s.modelPath) lines.push(`model: ${s.modelPath}`);
  if (s.precision) lines.push(`precision: ${s.precision}`);
  if (s.provider) lines.push(`execution provider: ${s.provider}`);
  if (s.threads !== undefined)
    lines.push(`CPU threads: ${s.threads === 0 ? 'automatic' : s.threads}`);
  if (s.loadMs !== undefined) lines.push(`loaded in ${Math.round(s.loadMs)} ms`);
  for (const a of s.attempts.filter((x) => !x.ok))
    lines.push(`${a.provider} not used: ${a.reason ?? 'failed'}`);
  if (s.error) lines.push(`error: ${s.error}`);
  return lines;
}

/** Registers the commands. */
export function registerEngineCommands(
  inference: InferenceService,
  jobs: JobRegistry,
): vscode.Disposable {
  const selectModel = async (): Promise<string | undefined> => {
    const picked = await vscode.window.showOpenDialog({
      title: 'Select a SegGPT model (.onnx converted with "seggpt convert")',
      canSelectMany: false,
      filters: { 'ONNX model': ['onnx'] },
    });
    const file = picked?.[0]?.fsPath;
    if (!file) return undefined;
    try {
      const { readModelInfo } = await import('../engine/modelInfo.js');
      readModelInfo(file);
    } catch (err) {
      void vscode.window.showErrorMessage(
        `SegGPT: ${err instanceof Error ? err.message : String(err)}`,
      );
      return undefined;
    }
    await vscode.workspace
      .getConfiguration(SECTION)
      .update(SETTING.modelPath, file, vscode.ConfigurationTarget.Global);
    outputLog().info(`model set to ${file}`);
    await loadWithProgress(inference, path.basename(file));
    return file;
  };

  const showStatus = async (): Promise<EngineStatus> => {
    const s = inference.status();
    const lines = describeStatus(s);
    outputLog().info(`engine status:\n  ${lines.join('\n  ')}`);
    const load = 'Load Model';
    const summary =
      s.state === 'ready'
        ? `ready: ${path.basename(s.modelPath ?? '')} (${s.precision}) on ${s.provider}`
        : s.state === 'idle'
          ? 'no model loaded yet (it loads on first use)'
          : s.state;
    void vscode.window
      .showInformationMessage(
        `SegGPT engine: ${summary}`,
        { modal: false, detail: lines.join('\n') },
        ...(s.state === 'ready' || s.state === 'loading' ? [] : [load]),
      )
      .then((choice) => {
        if (choice === load) void loadWithProgress(inference, 'the model');
      });
    return inference.status();
  };

  const cancelJobs = (): number => {
    const n = jobs.cancelAll();
    if (n === 0) void vscode.window.showInformationMessage('SegGPT: no job is running.');
    return n;
  };

  const subs = [
    vscode.commands.registerCommand(ENGINE_COMMANDS.selectModel, selectModel),
    vscode.commands.registerCommand(ENGINE_COMMANDS.showStatus, showStatus),
    vscode.commands.registerCommand(ENGINE_COMMANDS.cancelJobs, cancelJobs),
  ];
  return { dispose: () => disposeAll(subs) };
}

async function loadWithProgress(inference: InferenceService, name: string): Promise<void> {
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `SegGPT: loading ${name}`,
      cancellable: true,
    },
    async (_p, token) => {
      try {
        const s = await inference.load(token);
        void vscode.window.showInformationMessage(
          `SegGPT: ${path.basename(s.modelPath ?? name)} (${s.precision}) ready on ${s.provider}.`,
        );
      } catch (err) {
        reportInferenceError('loading the model failed', err);
      }
    },
  );
}
