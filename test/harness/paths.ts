/** Paths the harness shares: the repository root and its cache folders. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above this file that holds a package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
}

/** A folder under the repository's git-ignored `.cache/`. */
export function cacheDir(...parts: string[]): string {
  return join(repoRoot(), '.cache', ...parts);
}

/** Where test artifacts (screenshots, logs) go: `test-results/`, git-ignored. */
export function resultsDir(...parts: string[]): string {
  return join(repoRoot(), 'test-results', ...parts);
}
