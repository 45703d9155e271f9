/** Who made a mask: recorded in the mask PNG's tEXt chunks and read back before overwriting. */
import { readPngText } from './pngText';

/** tEXt keys the engine writes. */
export const PROVENANCE_KEYS = {
  source: 'seggpt:source',
  model: 'seggpt:model',
  prompt: 'seggpt:prompt',
  created: 'seggpt:created',
} as const;

/** `model`: written by SegGPT and untouched since; `human`: saved by a person; `unknown`: anything else. */
export type MaskSource = 'model' | 'human' | 'unknown';

/** Text chunks for a mask the model made. */
export function modelProvenance(model: string, prompt: string): Record<string, string> {
  return {
    [PROVENANCE_KEYS.source]: 'model',
    [PROVENANCE_KEYS.model]: model,
    [PROVENANCE_KEYS.prompt]: prompt,
    [PROVENANCE_KEYS.created]: new Date().toISOString(),
  };
}

/** Text chunks for a mask a person saved. */
export function humanProvenance(): Record<string, string> {
  return {
    [PROVENANCE_KEYS.source]: 'human',
    [PROVENANCE_KEYS.created]: new Date().toISOString(),
  };
}

/**
 * Reads who made an existing mask from its tEXt chunks alone (the pixels are not decoded). Masks
 * without our chunks (made by other tools or by hand), and files that are not PNGs, count as
 * `unknown`, which callers treat like a person's work: never overwritten silently.
 */
export async function maskSource(maskPath: string): Promise<MaskSource> {
  const src = (await readPngText(maskPath))?.[PROVENANCE_KEYS.source];
  return src === 'model' || src === 'human' ? src : 'unknown';
}
