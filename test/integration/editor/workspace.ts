/**
 * Builds the "editor" suite's workspace before VS Code starts: synthetic images (one with a
 * palette mask), a tiny random SegGPT model and settings pointing at it. The folder ignores
 * itself in git.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../../src/engine/config';
import { convertModel } from '../../../src/engine/convert';
import { RandomWeights } from '../../../src/engine/randomWeights';
import { fixturePath } from '../../support/fixtures';
import { centredDisc, writePaletteMask, writeSceneImage } from '../../support/syntheticImages';

/** Images of the workspace: name → size. */
export const EDITOR_IMAGES = {
  'draw.png': [96, 64],
  'labelled.png': [96, 64],
  'backup.png': [80, 60],
  'external.png': [40, 30],
  'dirtyExternal.png': [40, 30],
  'big.jpg': [400, 300],
  'saveAs.png': [50, 40],
  'mismatch.png': [50, 40],
} as const;

/** Seed of the tiny model's random weights. */
export const MODEL_SEED = 3;

/** Called by the runner with `test/workspaces/editor`. */
export async function createWorkspace(dir: string): Promise<void> {
  for (const entry of fs.readdirSync(dir))
    fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, '.gitignore'), '*\n');
  for (const [name, [w, h]] of Object.entries(EDITOR_IMAGES)) {
    await writeSceneImage(path.join(dir, name), centredDisc(w, h));
  }
  await writePaletteMask(path.join(dir, 'labelled_mask.png'), centredDisc(96, 64, 2));
  await writePaletteMask(path.join(dir, 'external_mask.png'), centredDisc(40, 30, 1));
  await writePaletteMask(path.join(dir, 'dirtyExternal_mask.png'), centredDisc(40, 30, 1));
  await writePaletteMask(path.join(dir, 'mismatch_mask.png'), centredDisc(30, 30, 1)); // wrong size
  const config = parseConfig(JSON.parse(fs.readFileSync(fixturePath('config.json'), 'utf8')));
  const model = await convertModel({
    config,
    weights: new RandomWeights(config, MODEL_SEED),
    outPath: path.join(dir, '.model', 'tiny.onnx'),
    precision: 'fp32',
  });
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'seggpt.modelPath': model.modelPath,
        'seggpt.executionProvider': 'cpu',
        // VS Code for the web saves after a delay by default, and then never makes backups.
        'files.autoSave': 'off',
      },
      null,
      2,
    ),
  );
}
