/** Entry point of the "untrusted" integration suite: the workspace opens in Restricted Mode. */
import { runMochaSuite } from '../../harness/runMocha';

/** Called by VS Code (extensionTestsPath). */
export function run(): Promise<void> {
  return runMochaSuite(__dirname);
}
