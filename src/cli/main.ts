/** The `seggpt` command: convert models and segment images from scripts. */
import { applyCommand, APPLY_HELP } from './applyCommand';
import { MaskTemplateError } from '../engine/maskPaths';
import { UsageError } from './args';
import { convertCommand, CONVERT_HELP } from './convertCommand';
import { infoCommand, INFO_HELP } from './infoCommand';
import { segmentCommand, SEGMENT_HELP } from './segmentCommand';

const HELP = `seggpt: in-context segmentation with SegGPT (onnxruntime, no Python)

Commands:
  convert   build the ONNX model from safetensors weights (or random weights)
  segment   segment images like a prompt (example image + mask)
  apply     segment every image of folders, resumable
  info      show a model's configuration and the execution provider it runs on

Run "seggpt <command> --help" for a command's options.`;

const COMMANDS: Record<string, (argv: string[], log: (s: string) => void) => Promise<number>> = {
  convert: convertCommand,
  segment: segmentCommand,
  apply: applyCommand,
  info: infoCommand,
};

const HELPS: Record<string, string> = {
  convert: CONVERT_HELP,
  segment: SEGMENT_HELP,
  apply: APPLY_HELP,
  info: INFO_HELP,
};

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const log = (s: string): void => void process.stdout.write(`${s}\n`);
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    log(HELP);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`seggpt: unknown command "${command}"\n\n${HELP}\n`);
    return 2;
  }
  try {
    return await run(rest, log);
  } catch (err) {
    if (err instanceof UsageError || err instanceof MaskTemplateError) {
      process.stderr.write(`seggpt ${command}: ${err.message}\n\n${HELPS[command]}\n`);
      return 2;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`seggpt ${command}: ${msg.split('\n')[0]}\n`);
    if (process.env['SEGGPT_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
