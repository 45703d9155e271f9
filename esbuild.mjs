// Builds the bundles: the extension host and its worker threads, the `seggpt` CLI (Node,
// CommonJS) and the webview (browser). Native and host-provided modules stay external;
// .vscodeignore re-includes them.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Reports build results in the format of VS Code's esbuild problem matcher. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'onnxruntime-node', 'sharp'],
  logLevel: 'warning',
  plugins: watch ? [problemMatcher] : [],
};

const builds = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  // The inference worker thread: owns the model session, off the extension host's main thread.
  {
    ...node,
    entryPoints: ['src/inference/inferenceWorker.ts'],
    outfile: 'dist/inferenceWorker.js',
  },
  // A second session of the model in its own thread, for folder jobs on a GPU (engine/replica.ts).
  { ...node, entryPoints: ['src/engine/replicaWorker.ts'], outfile: 'dist/replicaWorker.js' },
  // Query images prepared and masks encoded in threads beside a GPU job (engine/jobWorkerPool.ts).
  { ...node, entryPoints: ['src/engine/jobWorker.ts'], outfile: 'dist/jobWorker.js' },
  // Child process for model conversion and GPU provider probes (a crashing GPU library ends only it).
  { ...node, entryPoints: ['src/models/modelTaskMain.ts'], outfile: 'dist/modelTasks.js' },
  {
    ...node,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
];
if (existsSync('webview/main.ts')) {
  builds.push({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    logLevel: 'warning',
    plugins: watch ? [problemMatcher] : [],
  });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
