/** Parsing the command line that `@vscode/test-electron` gives a VS Code executable. */

/** What the launcher needs from that command line. */
export interface LaunchArgs {
  readonly extensionDevelopmentPaths: string[];
  readonly extensionTestsPath?: string;
  readonly userDataDir?: string;
  readonly extensionsDir?: string;
  /** The folder to open (the first positional argument). */
  readonly workspace?: string;
}

/** Parses `--name=value` flags and the workspace; other flags (desktop-only) are ignored. */
export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const dev: string[] = [];
  let tests: string | undefined;
  let userData: string | undefined;
  let extensions: string | undefined;
  let workspace: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      workspace ??= arg;
      continue;
    }
    const [, name, inline] = m;
    const valueOf = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`--${name} needs a value`);
      i++;
      return next;
    };
    switch (name) {
      case 'extensionDevelopmentPath':
        dev.push(valueOf());
        break;
      case 'extensionTestsPath':
        tests = valueOf();
        break;
      case 'user-data-dir':
        userData = valueOf();
        break;
      case 'extensions-dir':
        extensions = valueOf();
        break;
      default:
        break; // --no-sandbox, --disable-updates, ...: meaningful only to desktop VS Code
    }
  }
  return {
    extensionDevelopmentPaths: dev,
    extensionTestsPath: tests,
    userDataDir: userData,
    extensionsDir: extensions,
    workspace,
  };
}
