/** The installed VSIX: it runs from the extensions folder, downloads a model and segments. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SegGptApi } from '../../../../src/extension';
import { readModelInfo } from '../../../../src/engine/modelInfo';
import { PACKAGING_ENV } from './env';

const EXTENSION_ID = 'seggpt-curator.seggpt-curator';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this suite through packaging/run.js`);
  return v;
}

function extension(): vscode.Extension<SegGptApi> {
  const ext = vscode.extensions.getExtension<SegGptApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed`);
  return ext;
}

function workspaceFile(name: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the suite runs with a workspace folder');
  return path.join(folder.uri.fsPath, name);
}

describe('the installed Linux x64 VSIX', () => {
  it('is the extension VS Code runs, from the extensions folder', () => {
    const ext = extension();
    const dir = env(PACKAGING_ENV.extensionsDir);
    assert.ok(
      ext.extensionPath.startsWith(dir + path.sep),
      `${ext.extensionPath} is not under ${dir}`,
    );
    assert.equal(ext.packageJSON.version !== undefined, true);
    assert.ok(
      fs.existsSync(
        path.join(
          ext.extensionPath,
          'node_modules',
          'onnxruntime-node',
          'bin',
          'napi-v6',
          'linux',
          'x64',
        ),
      ),
    );
    assert.ok(
      !fs.existsSync(
        path.join(ext.extensionPath, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'win32'),
      ),
    );
  });

  it('downloads the model from the hub and converts it in its child process', async () => {
    await extension().activate();
    const installed = (await vscode.commands.executeCommand('seggpt.downloadModel', {
      confirm: false,
    })) as Record<string, string> | undefined;
    assert.ok(installed, 'the download command returned nothing (see the SegGPT output)');
    assert.deepEqual(Object.keys(installed).sort(), ['fp16', 'fp32']);
    for (const [precision, file] of Object.entries(installed)) {
      assert.ok(file.includes(EXTENSION_ID), `${file} is in the extension's global storage`);
      const info = readModelInfo(file);
      assert.equal(info.precision, precision);
      assert.equal(info.config.hiddenSize, 32);
    }
  });

  it('segments a picture with onnxruntime-node and sharp loaded from the VSIX', async () => {
    const api = await extension().activate();
    const result = await api.inference.segment({
      imagePath: workspaceFile('query.png'),
      prompt: {
        pairs: [{ image: workspaceFile('prompt.png'), mask: workspaceFile('prompt_mask.png') }],
        semantic: false,
      },
    });
    assert.equal(result.width, 120);
    assert.equal(result.height, 90);
    assert.equal(result.classes.length, 120 * 90);
    assert.ok(result.classes.every((c) => c <= 1));
    const status = api.inference.status();
    assert.equal(status.state, 'ready');
    assert.equal(status.provider, 'cpu');
    assert.match(status.modelPath ?? '', /seggpt-vit-large-fp32\.onnx$/);
    // The native libraries mapped into this process (the worker thread shares it).
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    const ext = extension().extensionPath;
    const mapped = (re: RegExp): string[] => [
      ...new Set(
        maps
          .split('\n')
          .map((l) => l.split(/\s+/).slice(5).join(' '))
          .filter((p) => re.test(p)),
      ),
    ];
    const ort = mapped(/onnxruntime_binding\.node|libonnxruntime\.so/);
    const vips = mapped(/sharp-linux-x64.*\.node|libvips-cpp/);
    assert.ok(ort.length >= 2, `onnxruntime is loaded: ${ort.join(', ')}`);
    assert.ok(vips.length >= 2, `sharp is loaded: ${vips.join(', ')}`);
    for (const p of [...ort, ...vips])
      assert.ok(p.startsWith(ext + path.sep), `${p} is not from the VSIX`);
    const repo = env(PACKAGING_ENV.repoRoot);
    assert.deepEqual(
      mapped(new RegExp(`^${repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/node_modules`)),
      [],
    );
  });
});
