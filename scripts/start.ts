/**
 * `npm start`: generates a sample dataset and a tiny random model under .cache/, then opens it
 * with the extension loaded: in desktop VS Code when its `code` command is on the PATH (and
 * SEGGPT_START=code-server is not set), else in code-server, whose URL is printed.
 * Options: --fresh (regenerate the sample), --port N (code-server, default 8080).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer } from '../test/harness/codeServer';
import { DEFAULT_SAMPLE, ensureTinyModel, repoRoot, writeSampleDataset } from './sampleDataset';

function hasDesktopCode(): boolean {
  if (process.env.SEGGPT_START === 'code-server') return false;
  return spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const sample = path.join(root, '.cache', 'sample-dataset');
  const model = await ensureTinyModel();
  if (process.argv.includes('--fresh') || !fs.existsSync(sample)) {
    const images = await writeSampleDataset(sample, { ...DEFAULT_SAMPLE, modelPath: model });
    console.log(`sample dataset: ${images.length} images in ${path.relative(root, sample)}/`);
  } else {
    console.log(`sample dataset: ${path.relative(root, sample)}/ (kept; --fresh makes it anew)`);
  }
  console.log(
    `model: ${path.relative(root, model)} (tiny, random weights: masks are noise, but fast)`,
  );

  if (hasDesktopCode()) {
    console.log('opening VS Code with the extension loaded…');
    spawn('code', [`--extensionDevelopmentPath=${root}`, sample], { stdio: 'inherit' });
    return;
  }
  execFileSync('bash', [path.join(root, 'test', 'harness', 'installCodeServer.sh')], {
    stdio: 'inherit',
  });
  const state = path.join(root, '.cache', 'start');
  const port = Number(option('--port') ?? process.env.PORT ?? 8080);
  const userData = path.join(state, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  const settings = path.join(userData, 'User', 'settings.json');
  if (!fs.existsSync(settings)) {
    fs.writeFileSync(
      settings,
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'git.openRepositoryInParentFolders': 'never',
      }),
    );
  }
  const server = await startCodeServer({
    userDataDir: userData,
    extensionsDir: path.join(state, 'extensions'),
    scratchDir: path.join(state, 'tmp'),
    workspaceTrust: true,
    port,
  });
  const url = server.folderUrl(sample, [
    ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${root}`],
  ]);
  console.log(`\nSegGPT Curator is running in code-server. Open:\n\n  ${url}\n`);
  console.log('In the Explorer, open "SegGPT Datasets". Ctrl-C stops the server.');
  const stop = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`npm start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
