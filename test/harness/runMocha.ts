/**
 * Runs one integration suite's mocha tests inside the extension host: the `run()` that a suite's
 * `index.ts` exports calls this. Writes a small result file the runner adds up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { resultsDir } from './paths';

/** Counts a suite reports to the runner (test-results/integration/<suite>.json). */
export interface SuiteResult {
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
}

/** Path of a suite's result file. */
export function suiteResultPath(suite: string): string {
  return resultsDir('integration', `${suite}.json`);
}

/** Runs every `*.test.js` in `suiteDir` (sorted); rejects when any test fails. */
export async function runMochaSuite(suiteDir: string, timeoutMs = 60_000): Promise<void> {
  const suite = path.basename(suiteDir);
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: timeoutMs, reporter: 'spec' });
  const files = fs
    .readdirSync(suiteDir)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(suiteDir, f));
  const result = await new Promise<SuiteResult>((resolve) => {
    const runner = mocha.run(() => {
      const s = runner.stats;
      resolve({ passed: s?.passes ?? 0, failed: s?.failures ?? 0, pending: s?.pending ?? 0 });
    });
  });
  const out = suiteResultPath(suite);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result));
  if (files.length === 0) throw new Error(`no *.test.js files in ${suiteDir}`);
  if (result.failed > 0) throw new Error(`${result.failed} test(s) failed in suite ${suite}`);
}
