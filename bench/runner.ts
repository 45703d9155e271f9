/**
 * Running one section: in this process, or in a fresh child (`bench.js … --only NAME
 * --section-out FILE`) whose result comes back through FILE. A fresh process per section keeps
 * RSS figures honest (memory a released session leaves in the allocator would otherwise hide a
 * leak, and Linux carries the peak RSS across exec) and gives every section a cold start.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SegGptConfig } from '../src/engine/config';
import { benchTempDir, makeContext } from './context';
import type { BenchOptions, Section, SectionResult } from './section';
import { round } from './stats';

/** What a section run produced (a failure carries the error instead of figures). */
export type SectionOutcome =
  | { readonly ok: true; readonly result: SectionResult }
  | { readonly ok: false; readonly error: string };

/** Runs `section` here, logging with `log`; the wait for quiet is added to its details. */
export async function runHere(
  section: Section,
  opts: BenchOptions,
  config: SegGptConfig,
  log: (m: string) => void,
): Promise<SectionOutcome> {
  const ctx = makeContext(opts, config, log);
  try {
    const result = await section.run(ctx);
    const details = { ...result.details };
    if (opts.waitQuietMs > 0) details['waited_for_quiet_s'] = round(ctx.waitedMs() / 1000);
    return { ok: true, result: { figures: result.figures, details } };
  } catch (err) {
    log(
      `section ${section.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Child side: runs the one selected section and writes its outcome to `opts.sectionOut`. */
export async function childMain(
  sections: readonly Section[],
  opts: BenchOptions,
  config: SegGptConfig,
): Promise<number> {
  const section = sections.find((s) => opts.only?.[0] === s.name);
  if (!section || !opts.sectionOut) throw new Error('--section-out needs --only with one section');
  // A bench that goes away, even killed outright, takes its section with it: once this process
  // is handed to another parent, it interrupts itself (which removes its temp folders).
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 1000).unref();
  const outcome = await runHere(section, opts, config, (m) => console.log(`  ${m}`));
  fs.writeFileSync(opts.sectionOut, JSON.stringify(outcome));
  return outcome.ok ? 0 : 1;
}

/** Parent side: runs `name` in a fresh process with the same arguments, and reads its outcome. */
export function runInChild(
  name: string,
  argv: readonly string[],
  scriptPath: string,
): Promise<SectionOutcome> {
  const dir = benchTempDir('section');
  const out = path.join(dir, 'result.json');
  return new Promise<SectionOutcome>((resolve) => {
    const child = fork(scriptPath, [...argv, '--only', name, '--section-out', out], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // Interrupting the bench interrupts the section too (it cleans up its own temp folders).
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.prependOnceListener('SIGINT', forward);
    process.prependOnceListener('SIGTERM', forward);
    let done = false;
    const finish = (why: string): void => {
      if (done) return;
      done = true;
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      let outcome: SectionOutcome;
      try {
        outcome = JSON.parse(fs.readFileSync(out, 'utf8')) as SectionOutcome;
      } catch {
        outcome = { ok: false, error: `section process ${why} without a result` };
      }
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(outcome);
    };
    child.on('error', (err) => finish(`failed to start (${err.message})`));
    child.on('exit', (code, signal) => finish(`exited (${signal ?? `code ${code}`})`));
  });
}
