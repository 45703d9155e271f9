/**
 * Runs each integration suite (`out/test/integration/<suite>/index.js`) in VS Code with the
 * standard `@vscode/test-electron` runner, each on its own workspace `test/workspaces/<suite>/`.
 *
 * A suite may also have `workspace.js` exporting `createWorkspace(dir)` (called first, to generate
 * the workspace) and `workspaceTrust = true` (run with workspace trust on: the folder opens
 * untrusted). With SEGGPT_TEST_VSCODE=code-server the "VS Code executable" is the project's
 * launcher (test/harness/vscode.sh), which runs code-server in headless Chromium; unset, runTests
 * downloads desktop VS Code as usual. `node out/test/integration/runTests.js [suite...]`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { cacheDir, repoRoot } from '../harness/paths';
import { suiteResultPath, type SuiteResult } from '../harness/runMocha';

/** What a suite's optional `workspace.js` may export. */
interface SuiteSetup {
  createWorkspace?(dir: string): Promise<void> | void;
  workspaceTrust?: boolean;
}

/** User settings for every run: no welcome page, no network chatter. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.emptyWindow': false,
};

async function runSuite(root: string, suite: string): Promise<SuiteResult & { ok: boolean }> {
  const suiteDir = path.join(root, 'out', 'test', 'integration', suite);
  const workspace = path.join(root, 'test', 'workspaces', suite);
  const setupFile = path.join(suiteDir, 'workspace.js');
  const setup: SuiteSetup = fs.existsSync(setupFile)
    ? ((await import(pathToFileURL(setupFile).href)) as SuiteSetup)
    : {};
  fs.mkdirSync(workspace, { recursive: true });
  await setup.createWorkspace?.(workspace);

  const profile = cacheDir('integration', suite);
  fs.rmSync(profile, { recursive: true, force: true });
  const userDataDir = path.join(profile, 'user-data');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(USER_SETTINGS, null, 2),
  );
  fs.rmSync(suiteResultPath(suite), { force: true });

  const env: Record<string, string> = {};
  let executable: string | undefined;
  if (process.env.SEGGPT_TEST_VSCODE === 'code-server') {
    executable = path.join(root, 'test', 'harness', 'vscode.sh');
  } else if (setup.workspaceTrust) {
    // runTests always passes --disable-workspace-trust; the launcher drops it for this suite.
    env.SEGGPT_TEST_DESKTOP_EXECUTABLE = await downloadAndUnzipVSCode();
    executable = path.join(root, 'test', 'harness', 'vscode.sh');
  }
  if (setup.workspaceTrust) env.SEGGPT_TEST_WORKSPACE_TRUST = 'on';

  console.log(`\n=== integration suite "${suite}" (workspace ${path.relative(root, workspace)})`);
  let ok = true;
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(suiteDir, 'index.js'),
      vscodeExecutablePath: executable,
      launchArgs: [
        workspace,
        '--disable-extensions',
        `--user-data-dir=${userDataDir}`,
        `--extensions-dir=${path.join(profile, 'extensions')}`,
      ],
      extensionTestsEnv: env,
    });
  } catch (err) {
    ok = false;
    console.error(`suite "${suite}" failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const counts = readResult(suite);
  return { ...counts, ok: ok && counts.failed === 0 };
}

function readResult(suite: string): SuiteResult {
  try {
    return JSON.parse(fs.readFileSync(suiteResultPath(suite), 'utf8')) as SuiteResult;
  } catch {
    return { passed: 0, failed: 1, pending: 0 }; // the suite did not get to report: count it failed
  }
}

async function main(): Promise<number> {
  const root = repoRoot();
  const outDir = path.join(root, 'out', 'test', 'integration');
  const wanted = process.argv.slice(2);
  const suites = fs
    .readdirSync(outDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(outDir, d.name, 'index.js')))
    .map((d) => d.name)
    .filter((name) => wanted.length === 0 || wanted.includes(name))
    .sort();
  if (suites.length === 0) {
    console.error(
      `no integration suites under ${outDir}${wanted.length ? ` named ${wanted}` : ''}`,
    );
    return 1;
  }
  if (process.env.SEGGPT_TEST_VSCODE === 'code-server') {
    execFileSync('bash', [path.join(root, 'test', 'harness', 'installCodeServer.sh')], {
      stdio: 'inherit',
    });
  }
  let passed = 0;
  let failed = 0;
  const failedSuites: string[] = [];
  for (const suite of suites) {
    const r = await runSuite(root, suite);
    passed += r.passed;
    failed += r.failed;
    if (!r.ok) failedSuites.push(suite);
  }
  if (failedSuites.length) console.error(`\nfailed suites: ${failedSuites.join(', ')}`);
  console.log(`\nintegration: ${passed} passed, ${failed} failed`);
  return failedSuites.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
