/**
 * GPU wiring at activation: put stored CUDA provider libraries back next to the binding after
 * an extension update (the update replaces that folder), and the Set Up command.
 */
import * as vscode from 'vscode';
import { outputLog } from '../commands/outputLog';
import type { ModelManager } from '../models/modelManager';
import { registerGpuCommands } from './gpuCommands';
import { restoreCudaPlacement } from './gpuSetup';

let placement: Promise<void> = Promise.resolve();

/**
 * Resolves once stored CUDA libraries (if any) are back in place; the inference worker awaits
 * it before its first load so CUDA is not missed on the first start after an update.
 */
export function whenGpuLibrariesPlaced(): Promise<void> {
  return placement;
}

/** Starts the placement check and registers the command. */
export function registerGpuFeatures(manager: ModelManager): vscode.Disposable {
  placement = restoreCudaPlacement(manager.storageDir).then(
    (r) => {
      if (r && r.how !== 'present') {
        outputLog().info(
          r.placed
            ? `CUDA provider libraries placed again in ${r.targetDir} (${r.how})`
            : `CUDA provider libraries: ${r.reason}`,
        );
      }
    },
    (err: unknown) =>
      outputLog().warn(
        `CUDA provider libraries not placed: ${err instanceof Error ? err.message : String(err)}`,
      ),
  );
  return registerGpuCommands(manager);
}
