/** Entry point of the "editor" integration suite, loaded by VS Code's extension host. */
import { runMochaSuite } from '../../harness/runMocha';

/** Called by VS Code (extensionTestsPath). */
export function run(): Promise<void> {
  return runMochaSuite(__dirname, 180_000);
}
