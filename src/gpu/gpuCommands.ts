/**
 * SegGPT: Set Up GPU Acceleration. Fetches the CUDA provider libraries for the bundled
 * onnxruntime-node, places them, checks that CUDA runs a model, and otherwise says in plain
 * words what is missing and which provider SegGPT uses instead.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { outputLog } from '../commands/outputLog';
import { DownloadError } from '../engine/download/downloadError';
import { describeProgress, type TransferProgress } from '../engine/download/progressMeter';
import { defaultProviderOrder, type ProviderName } from '../engine/providers';
import { SET_UP_GPU_COMMAND } from '../models/modelCommandIds';
import type { ModelManager } from '../models/modelManager';
import { probeInChild } from '../models/modelTasks';
import { httpOptionsFromSettings } from '../models/networkSettings';
import { cudaPackageFor, onnxruntimeNugetFeed } from './cudaPackage';
import { setUpCuda, type CudaSetupResult } from './gpuSetup';
import type { ProbeResult } from './probeProviders';

/** Registers the command. */
export function registerGpuCommands(manager: ModelManager): vscode.Disposable {
  return vscode.commands.registerCommand(SET_UP_GPU_COMMAND, () => setUpGpu(manager));
}

function probe(manager: ModelManager, providers: readonly ProviderName[]): Promise<ProbeResult[]> {
  return probeInChild(manager.taskScript, providers, path.join(manager.storageDir, 'probe'));
}

/** Runs the setup; resolves to its result (undefined when it could not run). */
async function setUpGpu(manager: ModelManager): Promise<CudaSetupResult | undefined> {
  const others = defaultProviderOrder().filter((p) => p !== 'cuda' && p !== 'cpu');
  if (!cudaPackageFor()) {
    const results = await probe(manager, others);
    const works = results.find((r) => r.ok);
    void vscode.window.showInformationMessage(
      `onnxruntime has no CUDA provider for ${process.platform}/${process.arch}. ` +
        (works
          ? `SegGPT uses the ${works.provider} provider on your GPU.`
          : `No GPU provider works here (${results.map((r) => `${r.provider}: ${r.reason}`).join('; ')}); SegGPT runs on the CPU.`),
    );
    return undefined;
  }
  const feed =
    vscode.workspace.getConfiguration('seggpt').get<string>('gpu.nugetFeedUrl')?.trim() ||
    onnxruntimeNugetFeed();
  if (!feed) {
    void vscode.window.showErrorMessage(
      'SegGPT: no NuGet feed is known for the CUDA provider libraries: set seggpt.gpu.nugetFeedUrl.',
    );
    return undefined;
  }
  return manager.exclusive('setting up GPU acceleration', async () =>
    vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'SegGPT: Setting up CUDA',
        cancellable: true,
      },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          const result = await setUpCuda({
            storageDir: manager.storageDir,
            feedIndexUrl: feed,
            probe: (providers) => probe(manager, providers),
            http: httpOptionsFromSettings(),
            signal: abort.signal,
            onProgress: (p) =>
              progress.report({
                message:
                  p.phase === 'extracting'
                    ? `unpacking ${p.file ?? ''}…`
                    : p.phase === 'checking'
                      ? 'checking that CUDA runs a test model…'
                      : `CUDA provider libraries: ${describeProgress(p as TransferProgress)}`,
              }),
          });
          await report(manager, result, others);
          return result;
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          if (err instanceof DownloadError && err.kind === 'cancelled') {
            void vscode.window.showInformationMessage(
              'SegGPT: GPU setup cancelled; running it again resumes the download.',
            );
          } else {
            outputLog().error(`GPU setup failed: ${msg}`);
            void vscode.window.showErrorMessage(`SegGPT: GPU setup failed: ${msg}`);
          }
          return undefined;
        } finally {
          sub.dispose();
        }
      },
    ),
  );
}

async function report(
  manager: ModelManager,
  r: CudaSetupResult,
  others: readonly ProviderName[],
): Promise<void> {
  const log = outputLog();
  log.info(
    `CUDA provider libraries ${r.version} in ${r.installed.dir} (from ${r.installed.source})`,
  );
  log.info(
    r.place.placed
      ? `placed next to the binding in ${r.place.targetDir} (${r.place.how})`
      : `not placed: ${r.place.reason}`,
  );
  if (r.ok) {
    log.info(`CUDA ran the test model in ${Math.round(r.probe?.ms ?? 0)} ms`);
    manager.notifyChanged();
    void vscode.window.showInformationMessage(
      'SegGPT: CUDA works — it ran a test model on your GPU. SegGPT uses it from the next model load.',
    );
    return;
  }
  for (const p of r.problems) log.warn(`CUDA: ${p}`);
  if (r.probe?.detail) log.warn(`onnxruntime said: ${r.probe.detail}`);
  const fallback = (await probe(manager, others).catch(() => [] as ProbeResult[])).find(
    (x) => x.ok,
  );
  const instead = fallback
    ? `Meanwhile SegGPT uses the ${fallback.provider} provider on your GPU (no CUDA install needed).`
    : 'Meanwhile SegGPT runs on the CPU.';
  const pick = await vscode.window.showWarningMessage(
    'SegGPT: CUDA cannot run yet.',
    { modal: true, detail: [...r.problems, '', instead].join('\n') },
    'Show Log',
  );
  if (pick === 'Show Log') log.show();
}
