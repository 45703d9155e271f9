/**
 * A private copy of onnxruntime-node (this platform's binaries only) with onnxruntime-common
 * beside it, so a test can place provider libraries next to a real binding without touching the
 * shared node_modules.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Copies onnxruntime-node into a temp folder; returns the copy's package folder. */
export function copyOnnxruntimeNode(): { packageDir: string; root: string } {
  const src = path.dirname(require.resolve('onnxruntime-node/package.json'));
  // onnxruntime-common's exports hide its package.json: find its folder from its entry point.
  let common = path.dirname(require.resolve('onnxruntime-common', { paths: [src] }));
  while (!fs.existsSync(path.join(common, 'package.json'))) common = path.dirname(common);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-ortcopy-'));
  const modules = path.join(root, 'node_modules');
  const dest = path.join(modules, 'onnxruntime-node');
  for (const part of ['package.json', 'dist', 'lib', 'script']) {
    if (fs.existsSync(path.join(src, part)))
      fs.cpSync(path.join(src, part), path.join(dest, part), { recursive: true });
  }
  const bin = path.join('bin', 'napi-v6', process.platform, process.arch);
  fs.cpSync(path.join(src, bin), path.join(dest, bin), { recursive: true });
  fs.cpSync(common, path.join(modules, 'onnxruntime-common'), { recursive: true });
  return { packageDir: dest, root };
}
