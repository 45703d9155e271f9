/**
 * "Apply Prompt to Folder…": the active prompt set on every image of the chosen folders, in the
 * inference worker, with progress (count, rate, time left), Cancel, a summary and a log.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetModel } from '../dataset/datasetModel';
import { maskSource } from '../engine/provenance';
import type { BatchJobResult, OverwritePolicy } from '../engine/batchJob';
import { maskPathFor } from '../engine/maskPaths';
import type { InferenceService } from '../inference/inferenceService';
import type { PromptStore } from '../prompts/promptStore';
import { readSettings } from '../settings/settings';
import { OVERWRITE_SETTINGS } from '../settings/settingKeys';
import { progressLine, skipReasons, summaryLine } from './batchReport';
import { targetFolders, type FolderTarget } from './commandTargets';
import { folderImages } from './folderImages';
import type { JobRegistry } from './jobRegistry';
import { outputLog } from './outputLog';
import { provenanceFor, reportInferenceError, requirePrompt, requireTrust } from './preconditions';
import { pickFolders } from './pickFolders';

/** Command id. */
export const APPLY_PROMPT_COMMAND = 'seggpt.applyPromptToFolder';

/** Options a caller (a test, another command) may pass as the third argument. */
export interface ApplyOptions {
  readonly overwrite?: OverwritePolicy;
}

/** Existing masks among the targets, by who made them. */
async function existingMasks(
  images: readonly string[],
  template: string,
): Promise<{ model: number; other: number }> {
  let model = 0;
  let other = 0;
  for (const image of images) {
    const mask = maskPathFor(image, template);
    if (!fs.existsSync(mask)) continue;
    if ((await maskSource(mask)) === 'model') model++;
    else other++;
  }
  return { model, other };
}

/**
 * The policy to run with. `all` replaces masks a person edited, so it needs a modal yes: the
 * alternative keeps them (policy `model`); dismissing the dialog runs nothing (undefined).
 */
async function confirmPolicy(
  policy: OverwritePolicy,
  images: readonly string[],
  template: string,
): Promise<OverwritePolicy | undefined> {
  if (policy !== 'all') return policy;
  const { other } = await existingMasks(images, template);
  if (other === 0) return policy;
  const replace = `Replace All ${other}`;
  const keep = 'Keep Edited Masks';
  const choice = await vscode.window.showWarningMessage(
    `${other} of these masks ${other === 1 ? 'was' : 'were'} edited by a person or made by another tool. Replace ${other === 1 ? 'it' : 'them'} with the model's masks?`,
    {
      modal: true,
      detail:
        'seggpt.overwrite is "all". Replaced masks are lost. "Keep Edited Masks" replaces only masks SegGPT made.',
    },
    replace,
    keep,
  );
  return choice === replace ? 'all' : choice === keep ? 'model' : undefined;
}

function logResult(set: string, folders: readonly FolderTarget[], r: BatchJobResult): void {
  const log = outputLog();
  for (const f of r.failed) log.error(`failed ${f.path}: ${f.error}`);
  if (r.skipped.length) log.info(`skipped: ${skipReasons(r)}`);
  for (const n of r.notes) log.warn(n);
  if (r.sessions > 1) log.info(`${r.sessions} sessions of the model ran batches`);
  log.info(`prompt set "${set}" on ${folders.map((f) => f.path).join(', ')}: ${summaryLine(r)}`);
}

/** Registers the command. */
export function registerApplyPromptToFolder(
  store: PromptStore,
  model: DatasetModel,
  inference: InferenceService,
  jobs: JobRegistry,
): vscode.Disposable {
  return vscode.commands.registerCommand(
    APPLY_PROMPT_COMMAND,
    async (clicked: unknown, selected: unknown, options: ApplyOptions = {}) => {
      let folders = targetFolders(clicked, selected);
      if (folders.length === 0) folders = (await pickFolders(model)) ?? [];
      if (folders.length === 0) return undefined;
      if (!requireTrust()) return undefined;
      const prompt = await requirePrompt(store);
      if (!prompt) return undefined;
      const busy = jobs.busy(folders.map((f) => f.path));
      if (busy.length) {
        void vscode.window.showWarningMessage(
          `SegGPT is already applying a prompt to ${busy.map((b) => path.basename(b)).join(', ')}. Cancel that job first (SegGPT: Cancel Running Jobs).`,
        );
        return undefined;
      }
      const settings = readSettings();
      const promptImages = new Set(prompt.spec.pairs.map((p) => p.image));
      let targets: string[];
      try {
        targets = (await folderImages(model, folders)).filter((i) => !promptImages.has(i));
      } catch (err) {
        void vscode.window.showErrorMessage(
          `SegGPT: ${err instanceof Error ? err.message : String(err)}`,
        );
        return undefined;
      }
      if (targets.length === 0) {
        void vscode.window.showInformationMessage(
          `SegGPT: no images to segment in ${folders.map((f) => path.basename(f.path)).join(', ')}.`,
        );
        return undefined;
      }
      const requested = options.overwrite ?? settings.overwrite;
      if (!OVERWRITE_SETTINGS.includes(requested)) return undefined;
      const overwrite = await confirmPolicy(requested, targets, settings.maskPathTemplate);
      if (!overwrite) return undefined;
      const where =
        folders.length === 1 ? path.basename(folders[0]!.path) : `${folders.length} folders`;
      outputLog().info(
        `applying prompt set "${prompt.set.name}" to ${targets.length} images in ${folders.map((f) => f.path).join(', ')} (overwrite: ${overwrite}, batch size ${settings.batchSize})`,
      );
      return vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `SegGPT: "${prompt.set.name}" → ${where}`,
          cancellable: true,
        },
        async (progress, outer) => {
          const job = jobs.start(
            folders.map((f) => f.path),
            outer,
          );
          try {
            progress.report({ message: 'loading the model…' });
            const status = await inference.load(job.token);
            let shown = 0;
            const result = await inference.runBatch(
              {
                targets,
                prompt: prompt.spec,
                maskTemplate: settings.maskPathTemplate,
                overwrite,
                batchSize: settings.batchSize,
                gpuSessions: settings.gpuSessions,
                textChunks: await provenanceFor(prompt.set, status),
              },
              (p) => {
                const pct = (100 * p.done) / Math.max(1, p.total);
                progress.report({ message: progressLine(p), increment: pct - shown });
                shown = pct;
              },
              job.token,
            );
            logResult(prompt.set.name, folders, result);
            void showSummary(result);
            return result;
          } catch (err) {
            reportInferenceError('Apply Prompt to Folder failed', err);
            return undefined;
          } finally {
            job.end();
          }
        },
      );
    },
  );
}

async function showSummary(r: BatchJobResult): Promise<void> {
  const log = 'Show Log';
  const text = `SegGPT: ${summaryLine(r)}`;
  const choice = r.failed.length
    ? await vscode.window.showWarningMessage(text, log)
    : await vscode.window.showInformationMessage(text, log);
  if (choice === log) outputLog().show(true);
}
