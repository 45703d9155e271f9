/** Desktop VS Code behind the launcher: only so a suite can run with workspace trust left on. */
import { spawn } from 'node:child_process';

/**
 * Runs the desktop executable with runTests' arguments, dropping `--disable-workspace-trust`
 * when `trust` is set (runTests always adds it); resolves with its exit code.
 */
export function runDesktop(
  executable: string,
  argv: readonly string[],
  trust: boolean,
): Promise<number> {
  const args = trust ? argv.filter((a) => a !== '--disable-workspace-trust') : [...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
