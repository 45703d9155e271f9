/**
 * Child process of the bench: converts a random-weight model and reports back over IPC.
 * Started by modelCache.ts with a JSON ConvertRequest as its only argument.
 */
import { parseConfig } from '../src/engine/config';
import { convertModel } from '../src/engine/convert';
import { RandomWeights } from '../src/engine/randomWeights';
import type { ConvertReply, ConvertRequest } from './modelCache';
import { peakRssMib } from './timing';

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as ConvertRequest;
  const config = parseConfig(req.config);
  const weights = new RandomWeights(config, req.seed);
  const start = performance.now();
  const result = await convertModel({
    config,
    weights,
    outPath: req.outPath,
    precision: req.precision,
  });
  const convertMs = performance.now() - start;
  await weights.close();
  const reply: ConvertReply = {
    ok: true,
    modelPath: result.modelPath,
    dataPath: result.dataPath,
    bytes: result.bytes,
    convertMs,
    peakRssMib: peakRssMib(),
  };
  send(reply);
}

/** Sends the reply and closes the channel so the process can exit. */
function send(reply: ConvertReply): void {
  if (!process.send) {
    console.log(JSON.stringify(reply));
    return;
  }
  process.send(reply, () => process.disconnect?.());
}

main().catch((err: unknown) => {
  const reply: ConvertReply = {
    ok: false,
    error: err instanceof Error ? (err.stack ?? err.message) : String(err),
  };
  process.exitCode = 1;
  send(reply);
});
