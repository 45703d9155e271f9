/** Prompts: example (image, mask) pairs turned into model inputs with a shared colour palette. */
import type { SegGptGeometry } from './config';
import { ImageInputError, loadImageTensor, loadMaskClassMap, promptMaskTensor } from './imageInput';
import { seggptPalette } from './palette';

/** One example: an image and its mask (class ids; 0 is background). */
export interface PromptPair {
  readonly image: string;
  readonly mask: string;
}

/** What the user chose as the prompt. */
export interface PromptSpec {
  readonly pairs: readonly PromptPair[];
  /** Semantic (all instances of a class) rather than instance segmentation. */
  readonly semantic: boolean;
  /** Number of foreground classes; default: the largest class id found in the masks. */
  readonly numClasses?: number;
}

/** A prompt ready for the model: one normalized image and mask tensor per pair. */
export interface PreparedPrompt {
  readonly images: readonly Float32Array[];
  readonly masks: readonly Float32Array[];
  /** Colours of classes 0..K, in which the prompt masks are drawn (RGB triplets). */
  readonly palette: Uint8Array;
  readonly numClasses: number;
  readonly semantic: boolean;
}

/** Loads and prepares a prompt; every problem is an ImageInputError naming the file. */
export async function preparePrompt(
  spec: PromptSpec,
  geom: SegGptGeometry,
): Promise<PreparedPrompt> {
  if (spec.pairs.length === 0)
    throw new ImageInputError('a prompt needs at least one image and mask');
  const loaded = await Promise.all(
    spec.pairs.map(async (pair) => {
      const [image, mask] = await Promise.all([
        loadImageTensor(pair.image, geom),
        loadMaskClassMap(pair.mask),
      ]);
      if (image.width !== mask.width || image.height !== mask.height) {
        throw new ImageInputError(
          `prompt mask "${pair.mask}" is ${mask.width}×${mask.height} but its image "${pair.image}" is ${image.width}×${image.height}`,
        );
      }
      return { image, mask, pair };
    }),
  );
  let maxId = 0;
  for (const { mask } of loaded)
    for (const id of mask.classes) if (id > maxId && id !== 255) maxId = id;
  const numClasses = spec.numClasses ?? Math.max(1, maxId);
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 254) {
    throw new ImageInputError(`number of classes must be 1..254, got ${numClasses}`);
  }
  if (maxId > numClasses) {
    throw new ImageInputError(
      `prompt masks use class ${maxId} but only ${numClasses} classes were given`,
    );
  }
  if (loaded.every(({ mask }) => mask.classes.every((id) => id === 0 || id === 255))) {
    throw new ImageInputError(
      `prompt masks ${loaded.map((l) => `"${l.pair.mask}"`).join(', ')} mark no object (all background)`,
    );
  }
  const palette = seggptPalette(numClasses);
  return {
    images: loaded.map((l) => l.image.data),
    // 255 (VOC "ignore") is drawn as background: the model has no colour for "unknown".
    masks: loaded.map((l) =>
      promptMaskTensor(
        l.mask.classes.map((id) => (id === 255 ? 0 : id)),
        l.mask.width,
        l.mask.height,
        palette,
        geom,
      ),
    ),
    palette,
    numClasses,
    semantic: spec.semantic,
  };
}
