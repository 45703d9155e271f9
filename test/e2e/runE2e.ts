/**
 * Runs the end-to-end scenarios (`out/test/e2e/*.e2e.js`) with mocha: each drives VS Code
 * (code-server) in headless Chromium and keeps screenshots in test-results/e2e/.
 * `node out/test/e2e/runE2e.js [name-filter]`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { repoRoot } from '../harness/paths';

async function main(): Promise<number> {
  const root = repoRoot();
  execFileSync('bash', [path.join(root, 'test', 'harness', 'installCodeServer.sh')], {
    stdio: 'inherit',
  });
  const filter = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.e2e.js') && (!filter || f.includes(filter)))
    .sort();
  if (files.length === 0) {
    console.error(`no end-to-end scenarios in ${__dirname}`);
    return 1;
  }
  // A scenario's steps build on each other: stop at the first that fails.
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 180_000, bail: true });
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  const stats = await new Promise<{ passes: number; failures: number }>((resolve) => {
    const runner = mocha.run(() =>
      resolve({ passes: runner.stats?.passes ?? 0, failures: runner.stats?.failures ?? 0 }),
    );
  });
  console.log(`\nscreenshots: ${path.relative(root, path.join(root, 'test-results', 'e2e'))}/`);
  console.log(`e2e: ${stats.passes} passed, ${stats.failures} failed`);
  return stats.failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
