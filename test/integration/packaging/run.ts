/**
 * The packaged-VSIX test: builds the Linux x64 VSIX (`scripts/package.mjs`), checks it carries
 * only its own platform's binaries, installs it into a fresh extensions folder outside the
 * repository with `--install-extension`, and runs the `vsix/` suite in VS Code (code-server with
 * SEGGPT_TEST_VSCODE=code-server) with a tiny test-driver extension as the development
 * extension, so the extension under test is the installed one, native modules and all.
 * `node out/test/integration/packaging/run.js` (SEGGPT_VSIX=<file> skips the build).
 */
import AdmZip from 'adm-zip';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  resolveCliArgsFromVSCodeExecutablePath,
  downloadAndUnzipVSCode,
  runTests,
} from '@vscode/test-electron';
import { codeServerBin } from '../../harness/codeServer';
import { repoRoot } from '../../harness/paths';
import { suiteResultPath } from '../../harness/runMocha';
import { startLocalHub } from '../../support/localHub';
import { tinyHubFiles } from '../../support/tinySafetensors';
import { HUB_REPO } from '../../../src/models/modelFiles';
import { PACKAGING_ENV } from './vsix/env';
import { writePackagingWorkspace } from './workspace';

const TARGET = 'linux-x64';

function sh(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

/** Builds the VSIX (or takes SEGGPT_VSIX) and returns its path. */
function buildVsix(root: string, outDir: string): string {
  if (process.env.SEGGPT_VSIX) return path.resolve(process.env.SEGGPT_VSIX);
  const started = Date.now();
  sh(process.execPath, ['scripts/package.mjs', '--target', TARGET, '--out', outDir], root);
  const file = fs
    .readdirSync(outDir)
    .find((f) => f.endsWith(`-${TARGET}-${readVersion(root)}.vsix`));
  if (!file) throw new Error(`no ${TARGET} VSIX in ${outDir}`);
  console.log(`packaging: built ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return path.join(outDir, file);
}

function readVersion(root: string): string {
  return (
    JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

/** Fails unless the VSIX holds this platform's native binaries and nothing of the sources. */
function checkContents(vsix: string): void {
  const names = new AdmZip(vsix).getEntries().map((e) => e.entryName);
  const native = names.filter((n) => /\.(node|so(\.\d+)*|dll|dylib)$/.test(n));
  const foreign = native.filter(
    (n) => !n.includes('/linux/x64/') && !/sharp-(libvips-)?linux-x64\//.test(n),
  );
  const problems: string[] = [];
  if (foreign.length) problems.push(`binaries of other platforms: ${foreign.join(', ')}`);
  for (const need of [
    'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
    'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
    'extension/dist/extension.js',
    'extension/dist/inferenceWorker.js',
    'extension/dist/replicaWorker.js',
    'extension/dist/jobWorker.js',
    'extension/dist/modelTasks.js',
  ]) {
    if (!names.includes(need)) problems.push(`missing ${need}`);
  }
  if (!native.some((n) => /sharp-linux-x64.*\.node$/.test(n))) problems.push('no sharp binary');
  const stray = names.filter(
    (n) => /^extension\/(src|test|out|bench)\/|\.map$|\.ts$/.test(n) && !n.endsWith('.d.ts'),
  );
  if (stray.length) problems.push(`sources in the VSIX: ${stray.slice(0, 5).join(', ')}`);
  if (problems.length) throw new Error(`the VSIX is wrong:\n  ${problems.join('\n  ')}`);
  console.log(
    `packaging: ${names.length} files, native: ${native.map((n) => path.basename(n)).join(', ')}`,
  );
}

/** Installs the VSIX into `extensionsDir` with the CLI of the VS Code that runs the tests. */
async function install(
  vsix: string,
  extensionsDir: string,
  userDataDir: string,
): Promise<string | undefined> {
  if (process.env.SEGGPT_TEST_VSCODE === 'code-server') {
    // Installs code-server into .cache/ unless it is there (the other suites do the same).
    sh('bash', [path.join(repoRoot(), 'test', 'harness', 'installCodeServer.sh')], repoRoot());
    sh(
      codeServerBin(),
      [
        '--extensions-dir',
        extensionsDir,
        '--user-data-dir',
        userDataDir,
        '--install-extension',
        vsix,
      ],
      repoRoot(),
    );
    return undefined;
  }
  const exe = await downloadAndUnzipVSCode();
  const [cli, ...args] = resolveCliArgsFromVSCodeExecutablePath(exe);
  sh(
    cli as string,
    [...args, '--extensions-dir', extensionsDir, '--install-extension', vsix],
    repoRoot(),
  );
  return exe;
}

async function main(): Promise<number> {
  const root = repoRoot();
  // Outside the repository, so nothing can resolve to the development node_modules.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-vsix-test-'));
  const hubFiles = await tinyHubFiles(5);
  const hub = await startLocalHub(HUB_REPO, {
    'model.safetensors': { data: hubFiles.weights, lfs: true },
    'config.json': { data: hubFiles.config },
  });
  try {
    const vsix = buildVsix(root, path.join(scratch, 'vsix'));
    checkContents(vsix);
    const extensionsDir = path.join(scratch, 'extensions');
    const userDataDir = path.join(scratch, 'user-data');
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'seggpt.hubBaseUrl': hub.baseUrl,
      }),
    );
    const desktop = await install(vsix, extensionsDir, userDataDir);
    const workspace = path.join(scratch, 'workspace');
    await writePackagingWorkspace(workspace);
    // The development extension is an empty driver: the extension under test is the installed one.
    const driver = path.join(scratch, 'driver');
    fs.mkdirSync(driver);
    fs.writeFileSync(
      path.join(driver, 'package.json'),
      JSON.stringify({
        name: 'seggpt-vsix-test-driver',
        publisher: 'test',
        version: '0.0.0',
        engines: { vscode: '^1.100.0' },
      }),
    );
    const suite = path.join(root, 'out', 'test', 'integration', 'packaging', 'vsix');
    fs.rmSync(suiteResultPath('vsix'), { force: true });
    await runTests({
      vscodeExecutablePath: desktop ?? path.join(root, 'test', 'harness', 'vscode.sh'),
      extensionDevelopmentPath: driver,
      extensionTestsPath: path.join(suite, 'index.js'),
      launchArgs: [
        workspace,
        `--user-data-dir=${userDataDir}`,
        `--extensions-dir=${extensionsDir}`,
      ],
      extensionTestsEnv: {
        [PACKAGING_ENV.extensionsDir]: extensionsDir,
        [PACKAGING_ENV.repoRoot]: root,
      },
    });
    const result = JSON.parse(fs.readFileSync(suiteResultPath('vsix'), 'utf8')) as {
      passed: number;
      failed: number;
    };
    console.log(`\npackaging: ${result.passed} passed, ${result.failed} failed`);
    console.log(
      `packaging: the hub saw ${hub.requests.length} requests (${hub.requests.map((r) => r.path).join(', ')})`,
    );
    return result.failed === 0 && result.passed > 0 ? 0 : 1;
  } finally {
    await hub.close();
    if (!process.env.SEGGPT_KEEP_TEST_FILES) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`packaging: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
