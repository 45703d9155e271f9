/** The tiny fixture config's random weights as a safetensors file, like the Hub's model files. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RandomWeights } from '../../src/engine/randomWeights';
import { writeSafetensors } from '../../src/engine/safetensors';
import { TINY_CONFIG_PATH, tinyConfig } from './tinyModel';

/** Bytes of `model.safetensors` and `config.json` for the tiny model (random weights, `seed`). */
export async function tinyHubFiles(seed = 5): Promise<{ weights: Buffer; config: Buffer }> {
  const config = tinyConfig();
  const random = new RandomWeights(config, seed);
  const tensors = [];
  for (const t of random.tensors()) {
    tensors.push({ name: t.name, shape: t.shape, data: await random.readF32(t.name) });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-tiny-st-'));
  try {
    const file = path.join(dir, 'model.safetensors');
    await writeSafetensors(file, tensors, { format: 'pt' });
    return { weights: fs.readFileSync(file), config: fs.readFileSync(TINY_CONFIG_PATH) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
