/**
 * Stands in for the VS Code executable that `@vscode/test-electron`'s `runTests()` spawns: takes
 * the same arguments, runs the extension tests in code-server driven by headless Chromium, prints
 * the test output and exits with the tests' exit code. Run through `test/harness/vscode.sh`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { launchChromium } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { parseLaunchArgs } from './launchArgs';
import { runDesktop } from './desktopPassthrough';
import { cacheDir, resultsDir } from './paths';

/** Environment variable: `on` keeps workspace trust on (for the untrusted-workspace suite). */
export const WORKSPACE_TRUST_ENV = 'SEGGPT_TEST_WORKSPACE_TRUST';

/** Environment variable: seconds before a hung test run is stopped (default 300). */
const TIMEOUT_ENV = 'SEGGPT_TEST_TIMEOUT_S';

async function main(argv: string[]): Promise<number> {
  const args = parseLaunchArgs(argv);
  const trust = process.env[WORKSPACE_TRUST_ENV] === 'on';
  if (process.env.SEGGPT_TEST_DESKTOP_EXECUTABLE) {
    return runDesktop(process.env.SEGGPT_TEST_DESKTOP_EXECUTABLE, argv, trust);
  }
  if (!args.extensionTestsPath || args.extensionDevelopmentPaths.length === 0) {
    throw new Error(
      'expected --extensionTestsPath= and --extensionDevelopmentPath= (from runTests)',
    );
  }
  const label = path.basename(path.dirname(args.extensionTestsPath));
  const scratch = cacheDir('test-host', label);
  fs.rmSync(path.join(scratch, 'tmp'), { recursive: true, force: true });
  const server = await startCodeServer({
    userDataDir: args.userDataDir ?? path.join(scratch, 'user-data'),
    extensionsDir: args.extensionsDir ?? path.join(scratch, 'extensions'),
    scratchDir: path.join(scratch, 'tmp'),
    workspaceTrust: trust,
    onOutput: (line) => {
      if (process.env.SEGGPT_TEST_VERBOSE) process.stderr.write(`[code-server] ${line}\n`);
    },
  });
  // Stop the server if we are told to, or if runTests (our parent) goes away without telling.
  const parent = process.ppid;
  const cleanup = (): void => {
    void server.stop().finally(() => process.exit(1));
  };
  process.once('SIGTERM', cleanup);
  process.once('SIGINT', cleanup);
  const watchParent = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      cleanup();
    }
  }, 2000);
  watchParent.unref();
  try {
    return await runInBrowser(server, args.workspace, args, label);
  } finally {
    clearInterval(watchParent);
    await server.stop();
  }
}

async function runInBrowser(
  server: CodeServer,
  workspace: string | undefined,
  args: ReturnType<typeof parseLaunchArgs>,
  label: string,
): Promise<number> {
  const remote = (p: string): string =>
    `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;
  const payload: [string, string][] = [
    ...args.extensionDevelopmentPaths.map((p): [string, string] => [
      'extensionDevelopmentPath',
      remote(p),
    ]),
    ['extensionTestsPath', remote(args.extensionTestsPath!)],
  ];
  const url = server.folderUrl(path.resolve(workspace ?? process.cwd()), payload);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let settle: (code: number) => void = () => undefined;
    const exit = new Promise<number>((r) => (settle = r));
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(code));
    // Keep the order of messages while their arguments are fetched.
    let printing = Promise.resolve();
    page.on('console', (msg) => {
      printing = printing.then(async () => {
        const text = formatConsole(await Promise.all(msg.args().map((a) => a.jsonValue())));
        if (!isNoise(text)) process.stdout.write(`${text}\n`);
      });
    });
    page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
    await page.goto(url);
    const timeoutS = Number(process.env[TIMEOUT_ENV] ?? 300);
    const timer = new Promise<number>((r) => setTimeout(() => r(-1), timeoutS * 1000).unref());
    const code = await Promise.race([exit, timer]);
    if (code === -1) {
      const shot = resultsDir('integration', `${label}-timeout.png`);
      fs.mkdirSync(path.dirname(shot), { recursive: true });
      await page.screenshot({ path: shot }).catch(() => undefined);
      process.stderr.write(`tests did not finish within ${timeoutS} s (screenshot: ${shot})\n`);
      return 1;
    }
    await printing.catch(() => undefined);
    return code;
  } finally {
    await browser.close();
  }
}

/**
 * Formats console arguments like Node's console: `%c` styles (the workbench's log prefix) are
 * dropped with their CSS argument, the rest goes through util.format.
 */
function formatConsole(args: unknown[]): string {
  const [first, ...rest] = args;
  if (typeof first !== 'string' || !first.includes('%c')) return format(...args);
  const styles = first.split('%c').length - 1;
  const prefix = first.replace(/%c/g, '').replace(/^\s*(INFO|WARN|ERR|DEBUG|TRACE)?\s*/, '');
  const body = rest.slice(styles);
  return prefix ? format(prefix, ...body) : format(...body);
}

/** Workbench chatter that says nothing about the tests (see docs/vscode-harness.md). */
function isNoise(text: string): boolean {
  return (
    text.trim() === '' ||
    /vsda|open-vsx|Failed to load resource|ERR_NAME_NOT_RESOLVED|\[Service Worker\]|connection token|Creating a socket|web worker extension host|builtin extensions cache|ChatSessionStore|copilot-instructions|allow-scripts and allow-same-origin|took \d+ms\.$/i.test(
      text,
    )
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`launcher: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
