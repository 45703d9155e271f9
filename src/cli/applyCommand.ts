/** `seggpt apply`: segment every image of one or more folders with a prompt. */
import * as path from 'node:path';
import { listImages } from '../engine/listImages';
import { DEFAULT_MASK_TEMPLATE } from '../engine/maskPaths';
import { choice, parse, UsageError } from './args';
import { COMMON_HELP, COMMON_OPTIONS } from './commonOptions';
import { runJob } from './jobRunner';

/** Help text of the apply command. */
export const APPLY_HELP = `Usage:
  seggpt apply --model <model.onnx> --prompt <img> --prompt-mask <mask> [options] <folder>...

Segments every image in the folders (masks themselves are left out) and writes each mask next
to its image. Images that already have a mask are skipped, so an interrupted run resumes where
it stopped. Progress goes to stderr; Ctrl-C stops after the current batch, leaving no partial file.

Options:
${COMMON_HELP}
  --recursive                   include sub-folders
  --mask-template <template>    mask path, with \${dir}, \${stem}, \${name}, \${ext}
                                (default ${DEFAULT_MASK_TEMPLATE})
  --overwrite <never|model|all> replace existing masks: never (default), only those SegGPT
                                made, or all (including masks a person edited)`;

/** Runs `seggpt apply`. */
export async function applyCommand(argv: string[], log: (s: string) => void): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...COMMON_OPTIONS,
      recursive: { type: 'boolean' },
      'mask-template': { type: 'string' },
      overwrite: { type: 'string' },
    },
    true,
  );
  if (values.help) {
    log(APPLY_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one folder');
  const template = (values['mask-template'] as string | undefined) ?? DEFAULT_MASK_TEMPLATE;
  // The prompt's own files are examples, not work: a prompt mask that does not follow the
  // template would otherwise be segmented as an image.
  const promptFiles = new Set(
    [
      ...((values.prompt as string[] | undefined) ?? []),
      ...((values['prompt-mask'] as string[] | undefined) ?? []),
    ].map((p) => path.resolve(p)),
  );
  const targets = new Set<string>(); // overlapping folders list an image once
  for (const folder of positionals) {
    const images = await listImages(folder, {
      recursive: values.recursive === true,
      maskTemplate: template,
    });
    for (const p of images) if (!promptFiles.has(p)) targets.add(p);
  }
  if (targets.size === 0) throw new UsageError(`no images found in ${positionals.join(', ')}`);
  const overwrite = choice(values, 'overwrite', ['never', 'model', 'all'] as const, 'never');
  return runJob(values, [...targets], template, overwrite, log);
}
