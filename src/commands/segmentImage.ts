/** "Segment Image": the active prompt set on the selected or open image(s), mask written and shown. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { maskSource } from '../engine/provenance';
import { isImageFile, maskPathFor } from '../engine/maskPaths';
import type { InferenceService } from '../inference/inferenceService';
import type { PromptStore } from '../prompts/promptStore';
import { readSettings } from '../settings/settings';
import { activeEditorPath, targetPaths } from './commandTargets';
import { openImage } from './openImage';
import { outputLog } from './outputLog';
import { provenanceFor, reportInferenceError, requirePrompt, requireTrust } from './preconditions';

/** Command id. */
export const SEGMENT_IMAGE_COMMAND = 'seggpt.segmentImage';

/** What the command did (returned for tests and other commands). */
export interface SegmentImageResult {
  readonly written: string[];
  readonly skipped: string[];
}

/** Asks before replacing a mask that a person edited or another tool made; true to replace. */
async function mayReplace(image: string, mask: string): Promise<boolean> {
  if (!fs.existsSync(mask)) return true;
  const source = await maskSource(mask);
  if (source === 'model') return true;
  const who = source === 'human' ? 'was edited by a person' : 'was not made by SegGPT';
  const replace = 'Replace Mask';
  const choice = await vscode.window.showWarningMessage(
    `The mask of ${path.basename(image)} ${who}. Replace it with the model's mask?`,
    { modal: true, detail: `${mask}\nThe current mask is lost if you replace it.` },
    replace,
  );
  return choice === replace;
}

/** Registers the command. */
export function registerSegmentImage(
  context: vscode.ExtensionContext,
  store: PromptStore,
  inference: InferenceService,
  reveal: (image: string) => Promise<void>,
): vscode.Disposable {
  return vscode.commands.registerCommand(
    SEGMENT_IMAGE_COMMAND,
    async (clicked: unknown, selected: unknown): Promise<SegmentImageResult | undefined> => {
      let images = targetPaths(clicked, selected).filter(isImageFile);
      const active = activeEditorPath();
      if (images.length === 0 && active && isImageFile(active)) images = [active];
      if (images.length === 0) {
        void vscode.window.showErrorMessage(
          'SegGPT: select an image in the SegGPT Datasets view, or open one, then run Segment Image.',
        );
        return undefined;
      }
      if (!requireTrust()) return undefined;
      const prompt = await requirePrompt(store);
      if (!prompt) return undefined;
      const template = readSettings().maskPathTemplate;
      const result: SegmentImageResult = { written: [], skipped: [] };
      const log = outputLog();
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `SegGPT: segmenting ${images.length === 1 ? path.basename(images[0] as string) : `${images.length} images`}`,
          cancellable: true,
        },
        async (progress, token) => {
          try {
            progress.report({ message: 'loading the model…' });
            const status = await inference.load(token);
            const textChunks = await provenanceFor(prompt.set, status);
            for (const [i, image] of images.entries()) {
              if (token.isCancellationRequested) break;
              const mask = maskPathFor(image, template);
              const exists = fs.existsSync(mask);
              if (exists && !(await mayReplace(image, mask))) {
                result.skipped.push(image);
                continue;
              }
              progress.report({ message: `${i + 1}/${images.length} ${path.basename(image)}` });
              await inference.segmentToFile(
                {
                  imagePath: image,
                  prompt: prompt.spec,
                  maskPath: mask,
                  overwrite: exists,
                  textChunks,
                },
                token,
              );
              result.written.push(mask);
              log.info(`segmented ${image} → ${mask} (prompt set "${prompt.set.name}")`);
            }
          } catch (err) {
            reportInferenceError('Segment Image failed', err);
          }
        },
      );
      if (images.length === 1 && result.written.length === 1) {
        // Shown without holding up the command (an editor may take its time to open).
        const image = images[0] as string;
        void reveal(image).then(
          () =>
            openImage(
              context,
              vscode.Uri.file(image),
              vscode.Uri.file(result.written[0] as string),
            ),
          (err: unknown) => outputLog().warn(`could not show ${image}: ${String(err)}`),
        );
      } else if (result.written.length > 0) {
        void vscode.window.showInformationMessage(
          `SegGPT: ${result.written.length} mask${result.written.length === 1 ? '' : 's'} written` +
            (result.skipped.length ? `, ${result.skipped.length} kept as they were.` : '.'),
        );
      }
      return result;
    },
  );
}
