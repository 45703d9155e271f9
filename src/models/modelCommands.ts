/** The commands that get a model: Download Model (from the Hub) and Import Model from File…. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { outputLog } from '../commands/outputLog';
import { DownloadError } from '../engine/download/downloadError';
import type { Precision } from '../engine/onnx/graphBuilder';
import type { ProviderName } from '../engine/providers';
import { ConversionCancelled } from './convertWeights';
import { importModelFile } from './importModel';
import { installFromHub, type InstallStep, type InstalledPaths } from './installFromHub';
import { IMPORT_MODEL_COMMAND, DOWNLOAD_MODEL_COMMAND } from './modelCommandIds';
import { CPU_PRECISION, GPU_PRECISION, installedModels } from './modelFiles';
import type { ModelManager } from './modelManager';
import { childProcessConverter } from './modelTasks';
import { IncrementTracker, progressView } from './installProgress';
import { hubFromSettings, httpOptionsFromSettings } from './networkSettings';
import { precisionSetting } from './resolveModel';

/** Options a caller (or a test) can pass to the download command. */
export interface DownloadCommandOptions {
  /** Skip the "already installed, download again?" question. */
  readonly confirm?: boolean;
}

/** Registers both commands. */
export function registerModelCommands(manager: ModelManager): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(DOWNLOAD_MODEL_COMMAND, (opts?: DownloadCommandOptions) =>
      downloadModel(manager, opts),
    ),
    vscode.commands.registerCommand(IMPORT_MODEL_COMMAND, (uri?: vscode.Uri) =>
      importModel(manager, uri),
    ),
  );
}

/** Downloads and converts the model; resolves to the installed paths (undefined if not). */
async function downloadModel(
  manager: ModelManager,
  opts: DownloadCommandOptions = {},
): Promise<InstalledPaths | undefined> {
  const present = Object.keys(installedModels(manager.storageDir));
  if (present.length > 0 && opts.confirm !== false) {
    const again = await vscode.window.showInformationMessage(
      `A SegGPT model is already installed (${present.join(', ')}). Download and convert it again?`,
      'Download Again',
    );
    if (again !== 'Download Again') return undefined;
  }
  return manager.exclusive('downloading the model', (status) =>
    withInstallProgress(
      'SegGPT: Downloading BAAI/seggpt-vit-large',
      DOWNLOAD_MODEL_COMMAND,
      status,
      async (onStep, signal) => {
        const hub = hubFromSettings();
        const { precisions, gpuProviders } = precisionsToInstall();
        outputLog().info(
          `downloading ${hub.repo} from ${hub.baseUrl}; converting to ${precisions.join(', ')}`,
        );
        const installed = await installFromHub({
          storageDir: manager.storageDir,
          hub,
          precisions,
          gpuProviders,
          convert: childProcessConverter(manager.taskScript),
          http: httpOptionsFromSettings(),
          signal,
          onStep: (s) => onStep(s, precisions, true),
        });
        return { installed, precisions };
      },
    ).then((res) => finished(manager, res, 'download')),
  );
}

/** Imports a weights or model file chosen by the user (or passed by the explorer). */
async function importModel(
  manager: ModelManager,
  uri?: vscode.Uri,
): Promise<InstalledPaths | undefined> {
  const file =
    uri?.fsPath ??
    (
      await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Import',
        title:
          'Import a SegGPT model: model.safetensors (with config.json beside it) or a converted .onnx',
        filters: { 'SegGPT weights or model': ['safetensors', 'onnx'] },
      })
    )?.[0]?.fsPath;
  if (!file) return undefined;
  return manager.exclusive('importing the model', (status) =>
    withInstallProgress(
      `SegGPT: Importing ${path.basename(file)}`,
      IMPORT_MODEL_COMMAND,
      status,
      async (onStep, signal) => {
        const { precisions } = file.toLowerCase().endsWith('.onnx')
          ? { precisions: [] as Precision[] }
          : precisionsToInstall();
        const installed = await importModelFile({
          storageDir: manager.storageDir,
          file,
          precisions,
          convert: childProcessConverter(manager.taskScript),
          signal,
          onStep: (s) => onStep(s, precisions, false),
        });
        return { installed, precisions: Object.keys(installed) as Precision[] };
      },
    ).then((res) => finished(manager, res, 'import')),
  );
}

type StepSink = (step: InstallStep, precisions: readonly Precision[], downloads: boolean) => void;

/** Runs an install under a cancellable notification; errors become messages (undefined). */
async function withInstallProgress<T>(
  title: string,
  retryCommand: string,
  status: (text: string) => void,
  work: (onStep: StepSink, signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      const bar = new IncrementTracker();
      try {
        return await work((step, precisions, downloads) => {
          const view = progressView(step, precisions, downloads);
          progress.report({ increment: bar.next(view.percent), message: view.message });
          status(`${Math.round(view.percent)}%`);
        }, abort.signal);
      } catch (err) {
        reportFailure(title, err, retryCommand);
        return undefined;
      } finally {
        sub.dispose();
      }
    },
  );
}

/**
 * The precisions to convert into: with `auto`, float32 for the CPU and float16 for GPUs, both
 * (converting takes seconds; having both means setting up a GPU later needs no new download).
 */
function precisionsToInstall(): { precisions: Precision[]; gpuProviders: ProviderName[] } {
  const setting = precisionSetting();
  return {
    precisions: setting === 'auto' ? [CPU_PRECISION, GPU_PRECISION] : [setting],
    gpuProviders: [],
  };
}

function finished(
  manager: ModelManager,
  res: { installed: InstalledPaths; precisions: readonly Precision[] } | undefined,
  what: 'download' | 'import',
): InstalledPaths | undefined {
  if (!res) return undefined;
  manager.notifyChanged();
  const list = Object.entries(res.installed)
    .map(([p, f]) => `${p}: ${f}`)
    .join('; ');
  outputLog().info(`model ${what} finished: ${list}`);
  void vscode.window.showInformationMessage(
    `SegGPT model ${what === 'download' ? 'downloaded and converted' : 'imported'} (${Object.keys(res.installed).join(' and ')}). It is ready to segment.`,
  );
  return res.installed;
}

function reportFailure(title: string, err: unknown, retryCommand: string): void {
  const message = err instanceof Error ? err.message : String(err);
  if (
    err instanceof ConversionCancelled ||
    (err instanceof DownloadError && err.kind === 'cancelled')
  ) {
    outputLog().info(`${title}: cancelled`);
    void vscode.window.showInformationMessage(
      'SegGPT: cancelled. What was downloaded so far is kept; downloading again resumes it.',
    );
    return;
  }
  outputLog().error(`${title}: ${message}`);
  const actions: string[] = ['Try Again', 'Import from File…'];
  if (err instanceof DownloadError && err.kind === 'network') actions.push('Proxy Settings');
  if (err instanceof DownloadError && err.kind === 'http') actions.push('Hub Setting');
  void vscode.window.showErrorMessage(`${title} failed: ${message}`, ...actions).then((pick) => {
    if (pick === 'Try Again') void vscode.commands.executeCommand(retryCommand, { confirm: false });
    else if (pick === 'Import from File…')
      void vscode.commands.executeCommand(IMPORT_MODEL_COMMAND);
    else if (pick === 'Proxy Settings')
      void vscode.commands.executeCommand('workbench.action.openSettings', 'http.proxy');
    else if (pick === 'Hub Setting')
      void vscode.commands.executeCommand('workbench.action.openSettings', 'seggpt.hubBaseUrl');
  });
}
