// Builds one VSIX per platform: `node scripts/package.mjs [--target <t>]... [--out <dir>] [--no-build]`.
// Each target is staged in .cache/package/<target>/ with only what runs: the bundles, media, and
// the native modules that stay outside the bundles (onnxruntime-node, sharp) with that platform's
// binaries alone; then `vsce package --target` packs the stage. Prebuilt sharp packages for other
// platforms than this machine's are fetched with `npm pack` into .cache/prebuilt/.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** VS Code targets that onnxruntime-node ships binaries for, with their native packages. */
export const TARGETS = {
  'linux-x64': {
    ort: 'linux/x64',
    native: ['@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64'],
  },
  'linux-arm64': {
    ort: 'linux/arm64',
    native: ['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64'],
  },
  'win32-x64': { ort: 'win32/x64', native: ['@img/sharp-win32-x64'] },
  'win32-arm64': { ort: 'win32/arm64', native: ['@img/sharp-win32-arm64'] },
  'darwin-arm64': {
    ort: 'darwin/arm64',
    native: ['@img/sharp-darwin-arm64', '@img/sharp-libvips-darwin-arm64'],
  },
};

// Modules loaded at run time from node_modules: the two native ones esbuild leaves external, and
// the codicon font the mask editor's webview loads by URI.
const RUNTIME_MODULES = ['onnxruntime-node', 'sharp', '@vscode/codicons'];
// onnxruntime-node's other dependencies serve only its npm install script.
const DEPENDENCY_OVERRIDES = { 'onnxruntime-node': ['onnxruntime-common'] };

function parseArgs(argv) {
  const opts = { targets: [], out: path.join(root, 'dist-vsix'), build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target') opts.targets.push(argv[++i]);
    else if (a === '--out') opts.out = path.resolve(argv[++i]);
    else if (a === '--no-build') opts.build = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.targets.length === 0) opts.targets = Object.keys(TARGETS);
  for (const t of opts.targets) {
    if (!TARGETS[t])
      throw new Error(`unknown target ${t}; known: ${Object.keys(TARGETS).join(', ')}`);
  }
  return opts;
}

function run(cmd, args, cwd = root) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The folder of an installed package, as Node would find it from `fromDir`. */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** A prebuilt package for another platform, unpacked from `npm pack` into .cache/prebuilt/. */
function fetchPrebuilt(name, version) {
  const cache = path.join(root, '.cache', 'prebuilt');
  const dir = path.join(cache, `${name.replace('/', '+')}@${version}`);
  if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  fs.mkdirSync(cache, { recursive: true });
  run('npm', ['pack', `${name}@${version}`, '--pack-destination', cache, '--silent']);
  const tgz = path.join(cache, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  run('tar', ['-xzf', tgz, '-C', tmp]);
  fs.renameSync(path.join(tmp, 'package'), dir);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(tgz, { force: true });
  return dir;
}

/**
 * The packages a target needs, name → { dir, version, deps }: the runtime modules and their
 * dependencies, with optional (native) ones kept only when they are this target's.
 */
function closure(target) {
  const { native } = TARGETS[target];
  const found = new Map();
  const visit = (name, version, fromDir) => {
    if (found.has(name)) return;
    let dir = findPackage(name, fromDir);
    if (!dir || (version && readJson(path.join(dir, 'package.json')).version !== version)) {
      if (!native.includes(name)) throw new Error(`${name} is not installed: run npm ci first`);
      dir = fetchPrebuilt(name, version);
    }
    const pkg = readJson(path.join(dir, 'package.json'));
    const deps = DEPENDENCY_OVERRIDES[name] ?? Object.keys(pkg.dependencies ?? {});
    const optional = Object.entries(pkg.optionalDependencies ?? {}).filter(([n]) =>
      native.includes(n),
    );
    found.set(name, { dir, version: pkg.version, deps: [...deps, ...optional.map(([n]) => n)] });
    for (const d of deps) visit(d, undefined, dir);
    for (const [n, v] of optional) visit(n, v, dir);
  };
  for (const m of RUNTIME_MODULES) {
    if (m === '@vscode/codicons' && !findPackage(m, root)) continue;
    visit(m, undefined, root);
  }
  return found;
}

/** Copies a package, leaving out other platforms' onnxruntime binaries. */
function copyPackage(name, src, dest, target) {
  const ortBin = path.join(src, 'bin', 'napi-v6');
  const keep = path.join(ortBin, ...TARGETS[target].ort.split('/'));
  fs.cpSync(src, dest, {
    recursive: true,
    dereference: true,
    filter: (p) =>
      name !== 'onnxruntime-node' ||
      !p.startsWith(ortBin + path.sep) ||
      keep.startsWith(p) ||
      p.startsWith(keep),
  });
}

/** Rewrites a staged package.json: only the dependencies staged beside it, no install scripts. */
function trimManifest(file, deps) {
  const pkg = readJson(file);
  const versionOf = (n) => pkg.dependencies?.[n] ?? pkg.optionalDependencies?.[n] ?? '*';
  const kept = Object.fromEntries(deps.map((n) => [n, versionOf(n)]));
  delete pkg.optionalDependencies;
  delete pkg.devDependencies;
  delete pkg.scripts;
  pkg.dependencies = kept;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
}

function stage(target) {
  const dir = path.join(root, '.cache', 'package', target);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['README.md', 'LICENSE', 'LICENSE.md', 'CHANGELOG.md']) {
    if (fs.existsSync(path.join(root, f))) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  }
  fs.mkdirSync(path.join(dir, 'dist'));
  for (const f of fs.readdirSync(path.join(root, 'dist')).filter((n) => n.endsWith('.js'))) {
    fs.copyFileSync(path.join(root, 'dist', f), path.join(dir, 'dist', f));
  }
  if (fs.existsSync(path.join(root, 'media'))) {
    fs.cpSync(path.join(root, 'media'), path.join(dir, 'media'), { recursive: true });
  }
  const modules = closure(target);
  for (const [name, m] of modules) {
    const dest = path.join(dir, 'node_modules', name);
    copyPackage(name, m.dir, dest, target);
    trimManifest(path.join(dest, 'package.json'), m.deps);
  }
  const manifest = readJson(path.join(root, 'package.json'));
  delete manifest.devDependencies;
  delete manifest.scripts;
  manifest.dependencies = Object.fromEntries(
    RUNTIME_MODULES.filter((m) => modules.has(m)).map((m) => [m, modules.get(m).version]),
  );
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  // The shared allowlist plus this platform's binaries.
  const { ort, native } = TARGETS[target];
  const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
  const extra = [
    `!node_modules/onnxruntime-node/bin/napi-v6/${ort}/**`,
    ...native.map((n) => `!node_modules/${n}/**`),
  ];
  fs.writeFileSync(
    path.join(dir, '.vscodeignore'),
    `${ignore.trimEnd()}\n# ${target}\n${extra.join('\n')}\n`,
  );
  return { dir, version: manifest.version, name: manifest.name };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.build) run(process.execPath, ['esbuild.mjs', '--production']);
  fs.mkdirSync(opts.out, { recursive: true });
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  for (const target of opts.targets) {
    const started = Date.now();
    const s = stage(target);
    const out = path.join(opts.out, `${s.name}-${target}-${s.version}.vsix`);
    fs.rmSync(out, { force: true });
    // No LICENSE file yet: vsce would stop to ask.
    const license = fs.existsSync(path.join(s.dir, 'LICENSE')) ? [] : ['--skip-license'];
    run(process.execPath, [vsce, 'package', '--target', target, '--out', out, ...license], s.dir);
    const mb = (fs.statSync(out).size / 1e6).toFixed(1);
    console.log(
      `package: ${path.relative(root, out)} (${mb} MB, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
}

try {
  main();
} catch (err) {
  console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
