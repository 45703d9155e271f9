/** `seggpt segment`: segment given images with a prompt. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_MASK_TEMPLATE } from '../engine/maskPaths';
import { choice, parse, UsageError } from './args';
import { COMMON_HELP, COMMON_OPTIONS } from './commonOptions';
import { runJob } from './jobRunner';

/** Help text of the segment command. */
export const SEGMENT_HELP = `Usage:
  seggpt segment --model <model.onnx> --prompt <img> --prompt-mask <mask> [options] <image>...

Segments each image like the prompt and writes its mask as an 8-bit palette PNG (class ids,
Pascal VOC colours). Existing masks are kept unless --overwrite says otherwise.

Options:
${COMMON_HELP}
  --out <folder|template>       where masks go: a folder, or a template with \${dir}, \${stem},
                                \${name}, \${ext} (default ${DEFAULT_MASK_TEMPLATE})
  --overwrite <never|model|all> replace existing masks: never (default), only those SegGPT
                                made, or all (including masks a person edited)`;

/** Runs `seggpt segment`. */
export async function segmentCommand(argv: string[], log: (s: string) => void): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON_OPTIONS, out: { type: 'string' }, overwrite: { type: 'string' } },
    true,
  );
  if (values.help) {
    log(SEGMENT_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one image to segment');
  for (const p of positionals) {
    if (!fs.existsSync(p)) throw new UsageError(`image not found: ${p}`);
  }
  const out = values.out as string | undefined;
  const template =
    out === undefined
      ? DEFAULT_MASK_TEMPLATE
      : out.includes('${')
        ? out
        : path.join(path.resolve(out), '${stem}_mask.png');
  const overwrite = choice(values, 'overwrite', ['never', 'model', 'all'] as const, 'never');
  return runJob(
    values,
    positionals.map((p) => path.resolve(p)),
    template,
    overwrite,
    log,
  );
}
