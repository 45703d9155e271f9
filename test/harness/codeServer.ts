/** Starting and stopping code-server (VS Code in a browser) for tests, the launcher and `npm start`. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './paths';

/** Where the install script puts code-server. */
export function codeServerBin(): string {
  return path.join(repoRoot(), '.cache', 'code-server', 'node_modules', '.bin', 'code-server');
}

/** How to start one code-server. */
export interface CodeServerOptions {
  /** Folder for settings, logs and state (created). */
  readonly userDataDir: string;
  /** Folder for installed extensions (created). */
  readonly extensionsDir: string;
  /** Scratch folder for XDG config/data and TMPDIR, so nothing lands in the home folder. */
  readonly scratchDir: string;
  /** Leave workspace trust on (the default for tests is off, as the desktop test runner does). */
  readonly workspaceTrust?: boolean;
  /** Port to listen on (0: any free port). */
  readonly port?: number;
  /** Extra environment for the server and its extension host. */
  readonly env?: NodeJS.ProcessEnv;
  /** Receives every line the server prints. */
  readonly onOutput?: (line: string) => void;
}

/** A running code-server. */
export interface CodeServer {
  /** Base URL, with a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** URL that opens `folder` (absolute path) in the workbench. */
  folderUrl(folder: string, payload?: readonly [string, string][]): string;
  /** Stops the server and its whole process group. */
  stop(): Promise<void>;
}

/** Throws a clear error when code-server is not installed. */
export function checkCodeServerInstalled(): string {
  const bin = codeServerBin();
  if (!fs.existsSync(bin)) {
    throw new Error(
      `code-server is not installed at ${bin}: run "bash test/harness/installCodeServer.sh" first`,
    );
  }
  return bin;
}

/** Starts code-server and resolves once it answers /healthz. */
export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const bin = checkCodeServerInstalled();
  for (const dir of [opts.userDataDir, opts.extensionsDir, opts.scratchDir]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  const args = [
    '--bind-addr',
    `127.0.0.1:${opts.port ?? 0}`,
    '--auth',
    'none',
    '--user-data-dir',
    opts.userDataDir,
    '--extensions-dir',
    opts.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
  ];
  const child = spawn(bin, args, {
    // A group of its own, so stop() reaches every child (one of them ignores SIGTERM).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...opts.env,
      XDG_CONFIG_HOME: path.join(opts.scratchDir, 'config'),
      XDG_DATA_HOME: path.join(opts.scratchDir, 'data'),
      TMPDIR: opts.scratchDir,
    },
  });
  const url = await waitForListening(child, opts.onOutput);
  const port = Number(new URL(url).port);
  await waitForHealth(url);
  return {
    url,
    port,
    folderUrl: (folder, payload) => {
      const q = new URLSearchParams({ folder });
      if (payload?.length) q.set('payload', JSON.stringify(payload));
      return `${url}?${q.toString()}`;
    },
    stop: () => stopGroup(child),
  };
}

function waitForListening(child: ChildProcess, onOutput?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let found = false;
    let recent = '';
    const onLine = (line: string): void => {
      onOutput?.(line);
      recent = (recent + line + '\n').slice(-2000);
      const m = /HTTP server listening on (http:\/\/\S+)/.exec(line);
      if (m && !found) {
        found = true;
        resolve(m[1]!.endsWith('/') ? m[1]! : `${m[1]!}/`);
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buf += chunk;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        lines.forEach(onLine);
      });
    }
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!found) reject(new Error(`code-server exited with ${code} before listening:\n${recent}`));
    });
  });
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(new URL('healthz', url));
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`code-server at ${url} did not answer /healthz`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
  kill('SIGKILL'); // children that ignored SIGTERM
}
