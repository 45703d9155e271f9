#!/usr/bin/env bash
# The "VS Code executable" given to @vscode/test-electron's runTests() when SEGGPT_TEST_VSCODE is
# code-server: runs the extension tests in code-server (see launcher.ts). Needs `tsc -p .` first.
exec node "$(cd "$(dirname "$0")/../.." && pwd)/out/test/harness/launcher.js" "$@"
