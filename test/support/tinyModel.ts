/** A tiny random SegGPT model (the fixture's config, 64×64 input), converted once per process. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig, type SegGptConfig } from '../../src/engine/config';
import { convertModel } from '../../src/engine/convert';
import { RandomWeights } from '../../src/engine/randomWeights';
import { fixturePath } from './fixtures';

/** The fixture's config.json (hidden 32, 6 blocks, input 64×64). */
export const TINY_CONFIG_PATH = fixturePath('config.json');

/** The fixture config, parsed. */
export function tinyConfig(): SegGptConfig {
  return parseConfig(JSON.parse(fs.readFileSync(TINY_CONFIG_PATH, 'utf8')));
}

let cached: Promise<string> | undefined;

/**
 * Path of a tiny fp32 model with random weights (seed 3). Built on first call, shared by every
 * test of the process, and deleted (with its temp folder) when the process exits.
 */
export function tinyModelPath(): Promise<string> {
  cached ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-tiny-model-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const config = tinyConfig();
    const weights = new RandomWeights(config, 3);
    const res = await convertModel({
      config,
      weights,
      outPath: path.join(dir, 'tiny.onnx'),
      precision: 'fp32',
    });
    return res.modelPath;
  })();
  return cached;
}
