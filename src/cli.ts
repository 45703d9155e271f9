/** Entry point of the `seggpt` bin. */
import { main } from './cli/main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`seggpt: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
