/** Options that several commands share: the model and how to run it, and the prompt. */
import * as path from 'node:path';
import type { PromptSpec } from '../engine/promptSet';
import { PROVIDER_NAMES, type ProviderName } from '../engine/providers';
import type { LoadOptions } from '../engine/segGptSession';
import { positiveInt, required, UsageError } from './args';

/** parseArgs definitions of the shared options. */
export const COMMON_OPTIONS = {
  model: { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  prompt: { type: 'string', multiple: true },
  'prompt-mask': { type: 'string', multiple: true },
  classes: { type: 'string' },
  semantic: { type: 'boolean' },
  'batch-size': { type: 'string' },
  'gpu-sessions': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Help lines for the shared options. */
export const COMMON_HELP = `  --model <model.onnx>          a model made by "seggpt convert" (required)
  --prompt <image> --prompt-mask <mask>
                                an example image and its mask; repeat for a few-shot prompt
                                (masks: palette PNG of class ids, or black/white for one class)
  --classes <K>                 number of classes (default: the largest id in the prompt masks)
  --semantic                    semantic segmentation (default: instance)
  --provider <name>             auto (default), ${PROVIDER_NAMES.join(', ')}
  --threads <n>                 CPU threads (default: all cores)
  --batch-size <n>              queries per model run (default 1)
  --gpu-sessions <n>            copies of the model running batches at once on a CUDA GPU,
                                each in its own thread (default 2; 1 = one batch at a time,
                                no extra copy)`;

/** Model path and session options from the shared flags. */
export function sessionOptions(values: Record<string, unknown>): {
  model: string;
  load: LoadOptions;
} {
  const model = path.resolve(required(values, 'model'));
  const provider = values.provider as string | undefined;
  if (
    provider !== undefined &&
    provider !== 'auto' &&
    !PROVIDER_NAMES.includes(provider as ProviderName)
  ) {
    throw new UsageError(
      `--provider must be auto or one of ${PROVIDER_NAMES.join(', ')}, got "${provider}"`,
    );
  }
  return {
    model,
    load: {
      providers:
        provider === undefined || provider === 'auto' ? 'auto' : [provider as ProviderName],
      threads: values.threads === undefined ? 0 : positiveInt(values, 'threads', 0),
    },
  };
}

/** The prompt from repeated --prompt/--prompt-mask flags, paired in order. */
export function promptSpec(values: Record<string, unknown>): PromptSpec {
  const images = (values.prompt as string[] | undefined) ?? [];
  const masks = (values['prompt-mask'] as string[] | undefined) ?? [];
  if (images.length === 0)
    throw new UsageError('give at least one --prompt <image> --prompt-mask <mask>');
  if (images.length !== masks.length) {
    throw new UsageError(
      `${images.length} --prompt but ${masks.length} --prompt-mask: give them in pairs`,
    );
  }
  const classes = values.classes === undefined ? undefined : positiveInt(values, 'classes', 1);
  return {
    pairs: images.map((image, i) => ({
      image: path.resolve(image),
      mask: path.resolve(masks[i] as string),
    })),
    semantic: values.semantic === true,
    numClasses: classes,
  };
}
