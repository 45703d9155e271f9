/** Reading onnxruntime's native log (a probe process's stderr) for why a provider did not load. */

// onnxruntime colours its log lines on a terminal.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/**
 * The "Failed to load library X with error: Y" (or "Failed to get symbol …") parts of
 * onnxruntime's log, oldest first. The exception itself only says "Failed to load shared
 * library"; the log names the file and what the loader said.
 */
export function libraryLoadErrors(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.replace(ANSI, '').split('\n')) {
    const m = /Failed to (load library|get symbol) .*$/.exec(line);
    if (m) out.push(m[0].trim());
  }
  return out;
}
