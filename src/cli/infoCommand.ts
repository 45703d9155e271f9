/** `seggpt info`: what a model is and which execution provider runs it here. */
import { geometryOf } from '../engine/config';
import { readModelInfo } from '../engine/modelInfo';
import { SegGptSession } from '../engine/segGptSession';
import { parse } from './args';
import { sessionOptions } from './commonOptions';

/** Help text of the info command. */
export const INFO_HELP = `Usage:
  seggpt info --model <model.onnx> [--provider <name>] [--threads <n>]

Loads the model and prints its configuration, precision, attention form, the execution provider
that runs it (and why faster ones were not used) and the load time.`;

/** Runs `seggpt info`. */
export async function infoCommand(argv: string[], log: (s: string) => void): Promise<number> {
  const { values } = parse(
    argv,
    {
      model: { type: 'string' },
      provider: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) {
    log(INFO_HELP);
    return 0;
  }
  const { model, load } = sessionOptions(values);
  const session = await SegGptSession.load(model, load);
  try {
    const c = session.config;
    const g = geometryOf(c);
    log(`model      ${model}`);
    log(`precision  ${session.precision}`);
    log(`attention  ${readModelInfo(model).attention ?? 'fused'}`);
    log(
      `shape      hidden ${c.hiddenSize}, ${c.numHiddenLayers} blocks, ${c.numAttentionHeads} heads, input ${g.inputW}×${g.inputH}`,
    );
    log(`provider   ${session.provider}`);
    for (const a of session.attempts.filter((x) => !x.ok)) log(`  not ${a.provider}: ${a.reason}`);
    log(`threads    ${session.threads || 'default'}`);
    log(`load       ${Math.round(session.loadMs)} ms`);
    return 0;
  } finally {
    await session.release();
  }
}
