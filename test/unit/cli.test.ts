import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMaskPng } from '../../src/engine/maskFile';
import { readModelInfo } from '../../src/engine/modelInfo';
import { PROVENANCE_KEYS } from '../../src/engine/provenance';
import {
  centredDisc,
  pngHeader,
  tempDir,
  writeBinaryMask,
  writePaletteMask,
  writeSceneImage,
  type Scene,
} from '../support/syntheticImages';
import { TINY_CONFIG_PATH, tinyModelPath } from '../support/tinyModel';

/** The repository root: the nearest folder above this file holding a package.json. */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

const ROOT = repoRoot();
const CLI = path.join(ROOT, 'dist', 'cli.js');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI from the repository root. */
function seggpt(...args: string[]): Run {
  const env = { ...process.env };
  delete env['SEGGPT_DEBUG'];
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts the exit code, showing the output when it differs. */
function expectExit(r: Run, code: number): void {
  assert.equal(r.status, code, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** The lines of stderr that come from the CLI (onnxruntime/dawn warnings left out). */
function errorLines(r: Run): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('seggpt'));
}

describe('seggpt CLI (dist/cli.js)', function () {
  this.timeout(60_000);
  let model: string;
  let work: string;
  let prompt: string;
  let promptMask: string;

  before(async () => {
    const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `esbuild failed: ${build.stderr}`);
    assert.ok(fs.existsSync(CLI));
    model = await tinyModelPath();
    work = tempDir('cli');
    const scene = centredDisc(120, 90);
    prompt = await writeSceneImage(path.join(work, 'prompt', 'p.jpg'), scene);
    promptMask = await writeBinaryMask(path.join(work, 'prompt', 'pm.png'), scene);
  });

  /** --model, --provider cpu and the binary prompt. */
  const common = (): string[] => [
    '--model',
    model,
    '--provider',
    'cpu',
    '--prompt',
    prompt,
    '--prompt-mask',
    promptMask,
  ];

  describe('help and usage', () => {
    it('--help exits 0 and lists the commands', () => {
      const r = seggpt('--help');
      expectExit(r, 0);
      for (const c of ['convert', 'segment', 'apply', 'info']) {
        assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'), c);
      }
    });

    it('no command prints the help and exits 2', () => {
      const r = seggpt();
      expectExit(r, 2);
      assert.match(r.stdout, /Commands:/);
    });

    it('each command has its own --help', () => {
      for (const c of ['convert', 'segment', 'apply', 'info']) {
        const r = seggpt(c, '--help');
        expectExit(r, 0);
        assert.match(r.stdout, new RegExp(`seggpt ${c} `), c);
      }
    });

    it('an unknown command exits 2 naming it', () => {
      const r = seggpt('segmnet', 'x.jpg');
      expectExit(r, 2);
      assert.match(r.stderr, /unknown command "segmnet"/);
    });

    it('an unknown flag exits 2 with the command usage', () => {
      const r = seggpt('info', '--model', model, '--gpu');
      expectExit(r, 2);
      assert.match(r.stderr, /--gpu/);
      assert.match(r.stderr, /Usage:\n\s+seggpt info/);
    });
  });

  describe('convert', () => {
    it('writes a random model that info then describes', () => {
      const out = path.join(work, 'convert', 'm.onnx');
      const r = seggpt(
        'convert',
        '--random',
        '--seed',
        '3',
        '--config',
        TINY_CONFIG_PATH,
        '--out',
        out,
      );
      expectExit(r, 0);
      assert.match(r.stdout, /wrote .*m\.onnx/);
      const info = readModelInfo(out);
      assert.equal(info.config.hiddenSize, 32);
      assert.equal(info.config.numHiddenLayers, 6);
      assert.equal(info.precision, 'fp32');
      // The contract's graph and the split prompt/query graphs; no temp files left.
      assert.deepEqual(fs.readdirSync(path.dirname(out)).sort(), [
        'm.onnx',
        'm.prompt.onnx',
        'm.query.onnx',
      ]);
      // same seed, same model; the tiny model of the other tests is seed 3 too
      assert.deepEqual(fs.readFileSync(out), fs.readFileSync(model));

      const i = seggpt('info', '--model', out, '--provider', 'cpu');
      expectExit(i, 0);
      assert.match(i.stdout, /^provider\s+cpu$/m);
      assert.match(i.stdout, /^shape\s+hidden 32, 6 blocks, 4 heads, input 64×64$/m);
      assert.match(i.stdout, /^precision\s+fp32$/m);
      assert.match(i.stdout, /^attention\s+bias$/m);
    });

    it('without --out exits 2 saying so', () => {
      const r = seggpt('convert', '--random', '--config', TINY_CONFIG_PATH);
      expectExit(r, 2);
      assert.match(r.stderr, /--out is required/);
    });

    it('with both or neither of --weights and --random exits 2', () => {
      const out = path.join(work, 'convert', 'never.onnx');
      expectExit(seggpt('convert', '--out', out), 2);
      expectExit(seggpt('convert', '--random', '--weights', 'w.safetensors', '--out', out), 2);
      assert.ok(!fs.existsSync(out));
    });

    it('a missing weights file exits 1 with one line naming it', () => {
      const missing = path.join(work, 'nowhere', 'model.safetensors');
      const out = path.join(work, 'convert', 'missing.onnx');
      for (const extra of [[], ['--config', TINY_CONFIG_PATH]]) {
        const r = seggpt('convert', '--weights', missing, ...extra, '--out', out);
        expectExit(r, 1);
        const lines = errorLines(r);
        assert.equal(lines.length, 1, r.stderr);
        assert.ok(lines[0]?.includes(missing), r.stderr);
        assert.match(lines[0] ?? '', /not found/);
        assert.doesNotMatch(r.stderr, /config/); // the config is not the problem
      }
      assert.ok(!fs.existsSync(out));
    });

    it('a corrupt weights file exits 1 saying what is wrong, writing nothing', () => {
      const dir = path.join(work, 'corrupt');
      fs.mkdirSync(dir, { recursive: true });
      const bad = path.join(dir, 'model.safetensors');
      fs.writeFileSync(bad, 'this is not a safetensors file, just some text');
      const out = path.join(dir, 'm.onnx');
      const r = seggpt('convert', '--weights', bad, '--config', TINY_CONFIG_PATH, '--out', out);
      expectExit(r, 1);
      const lines = errorLines(r);
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0]?.includes(bad), r.stderr);
      assert.match(lines[0] ?? '', /not a safetensors file|truncated/);
      assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
    });
  });

  describe('segment', () => {
    it('writes a palette mask of each image size into --out', async () => {
      const dir = path.join(work, 'segment');
      const img1 = await writeSceneImage(path.join(dir, 'img1.jpg'), centredDisc(120, 90));
      const img2 = await writeSceneImage(path.join(dir, 'img2.png'), centredDisc(97, 131));
      const out = path.join(dir, 'masks');
      const r = seggpt('segment', ...common(), img1, img2, '--out', out);
      expectExit(r, 0);
      assert.match(r.stdout, /2 written, 0 skipped, 0 failed/);
      assert.match(r.stdout, /on cpu/);
      assert.deepEqual(fs.readdirSync(out).sort(), ['img1_mask.png', 'img2_mask.png']);
      for (const [name, w, h] of [
        ['img1_mask.png', 120, 90],
        ['img2_mask.png', 97, 131],
      ] as const) {
        const ihdr = pngHeader(path.join(out, name));
        assert.deepEqual([ihdr.colourType, ihdr.width, ihdr.height], [3, w, h], name);
        const png = await readMaskPng(path.join(out, name));
        for (const id of new Set(png.classes)) assert.ok(id <= 1, `${name}: class ${id}`);
        assert.equal(png.text[PROVENANCE_KEYS.source], 'model');
        assert.equal(png.text[PROVENANCE_KEYS.model], path.basename(model));
      }
      assert.deepEqual(fs.readdirSync(dir).sort(), ['img1.jpg', 'img2.png', 'masks']);
    });

    it('writes next to the image by default, and a template --out fills its variables', async () => {
      const dir = path.join(work, 'segment-template');
      const img = await writeSceneImage(path.join(dir, 'q.webp'), centredDisc(50, 70));
      expectExit(seggpt('segment', ...common(), img), 0);
      assert.ok(fs.existsSync(path.join(dir, 'q_mask.png')));
      const r = seggpt('segment', ...common(), img, '--out', `${dir}/labels/\${name}.png`);
      expectExit(r, 0);
      assert.deepEqual(pngHeader(path.join(dir, 'labels', 'q.webp.png')).width, 50);
    });

    it('a wrong model file exits 1 with a clear message and writes no mask', async () => {
      const dir = path.join(work, 'wrong-model');
      const img = await writeSceneImage(path.join(dir, 'img.jpg'), centredDisc(64, 48));
      const wrong = path.join(dir, 'model.onnx');
      fs.writeFileSync(wrong, 'not a model at all\n');
      const r = seggpt(
        'segment',
        '--model',
        wrong,
        '--provider',
        'cpu',
        '--prompt',
        prompt,
        '--prompt-mask',
        promptMask,
        img,
      );
      expectExit(r, 1);
      const lines = errorLines(r);
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0]?.includes(wrong), r.stderr);
      assert.match(lines[0] ?? '', /not an ONNX model|not a SegGPT model/);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['img.jpg', 'model.onnx']);
    });

    it('a missing model file exits 1 naming it', async () => {
      const dir = path.join(work, 'no-model');
      const img = await writeSceneImage(path.join(dir, 'img.jpg'), centredDisc(64, 48));
      const missing = path.join(dir, 'gone.onnx');
      const r = seggpt('segment', ...common().slice(2), '--model', missing, img);
      expectExit(r, 1);
      assert.match(r.stderr, /gone\.onnx: model file not found/);
      assert.deepEqual(fs.readdirSync(dir), ['img.jpg']);
    });

    it('--prompt without --prompt-mask exits 2', async () => {
      const dir = path.join(work, 'no-prompt-mask');
      const img = await writeSceneImage(path.join(dir, 'img.jpg'), centredDisc(64, 48));
      const r = seggpt('segment', '--model', model, '--provider', 'cpu', '--prompt', prompt, img);
      expectExit(r, 2);
      assert.match(r.stderr, /--prompt-mask/);
      assert.deepEqual(fs.readdirSync(dir), ['img.jpg']);
    });

    it('a missing image exits 2 naming it', () => {
      const r = seggpt('segment', ...common(), path.join(work, 'nope.jpg'));
      expectExit(r, 2);
      assert.match(r.stderr, /image not found: .*nope\.jpg/);
    });

    describe('several classes', () => {
      const scene: Scene = {
        width: 96,
        height: 80,
        discs: [
          { cx: 24, cy: 24, r: 14, id: 1, colour: [230, 30, 30] },
          { cx: 70, cy: 26, r: 14, id: 2, colour: [30, 30, 230] },
          { cx: 48, cy: 60, r: 14, id: 3, colour: [240, 240, 40] },
        ],
      };
      let dir: string;
      let multiPrompt: string;
      let multiMask: string;
      let img: string;
      before(async () => {
        dir = path.join(work, 'multi');
        multiPrompt = await writeSceneImage(path.join(dir, 'prompt', 'p.png'), scene);
        multiMask = await writePaletteMask(path.join(dir, 'prompt', 'p_labels.png'), scene);
        img = await writeSceneImage(path.join(dir, 'q.jpg'), { ...scene, width: 110, height: 77 });
      });
      const args = (): string[] => [
        '--model',
        model,
        '--provider',
        'cpu',
        '--prompt',
        multiPrompt,
        '--prompt-mask',
        multiMask,
      ];

      it('a 3-class palette prompt gives masks with ids 0..3', async () => {
        const r = seggpt('segment', ...args(), '--semantic', img);
        expectExit(r, 0);
        const png = await readMaskPng(path.join(dir, 'q_mask.png'));
        assert.deepEqual([png.width, png.height], [110, 77]);
        for (const id of new Set(png.classes)) assert.ok(id <= 3, `class ${id}`);
        assert.match(png.text[PROVENANCE_KEYS.prompt] ?? '', /"classes":3/);
      });

      it('--classes below the largest id in the prompt mask is an error', () => {
        const out = path.join(dir, 'two');
        const r = seggpt('segment', ...args(), '--classes', '2', img, '--out', out);
        expectExit(r, 1);
        assert.match(r.stderr, /class 3 but only 2 classes/);
        // Nothing is written, not even the output folder.
        assert.ok(!fs.existsSync(out));
      });
    });
  });

  describe('apply', () => {
    let dir: string;
    const scenes: [string, Scene][] = [
      ['img1.jpg', centredDisc(120, 90)],
      ['img2.png', centredDisc(97, 131)],
      ['img3.webp', centredDisc(64, 64)],
    ];

    before(async () => {
      dir = path.join(work, 'apply');
      for (const [name, s] of scenes) await writeSceneImage(path.join(dir, name), s);
      // the prompt lives in the folder too, its mask named unlike the template
      const ps = centredDisc(80, 60);
      await writeSceneImage(path.join(dir, 'example.jpg'), ps);
      await writeBinaryMask(path.join(dir, 'example-label.png'), ps);
      // an image someone already labelled
      const done = centredDisc(70, 70);
      await writeSceneImage(path.join(dir, 'done.jpg'), done);
      await writeBinaryMask(path.join(dir, 'done_mask.png'), done);
    });

    const applyArgs = (): string[] => [
      'apply',
      '--model',
      model,
      '--provider',
      'cpu',
      '--prompt',
      path.join(dir, 'example.jpg'),
      '--prompt-mask',
      path.join(dir, 'example-label.png'),
      '--batch-size',
      '2',
      dir,
    ];

    it('segments each image of a folder once, not the prompt nor masks', async () => {
      const doneMask = fs.readFileSync(path.join(dir, 'done_mask.png'));
      const r = seggpt(...applyArgs());
      expectExit(r, 0);
      assert.match(r.stdout, /3 written, 1 skipped, 0 failed/);
      assert.match(r.stdout, /skipped .*done\.jpg: mask exists/);
      assert.deepEqual(fs.readdirSync(dir).sort(), [
        'done.jpg',
        'done_mask.png',
        'example-label.png',
        'example.jpg',
        'img1.jpg',
        'img1_mask.png',
        'img2.png',
        'img2_mask.png',
        'img3.webp',
        'img3_mask.png',
      ]);
      for (const [name, s] of scenes) {
        const mask = path.join(dir, name.replace(/\.\w+$/, '_mask.png'));
        const ihdr = pngHeader(mask);
        assert.deepEqual([ihdr.colourType, ihdr.width, ihdr.height], [3, s.width, s.height], mask);
        await readMaskPng(mask);
      }
      assert.deepEqual(fs.readFileSync(path.join(dir, 'done_mask.png')), doneMask);
    });

    it('a rerun skips every image and exits 0', () => {
      const before = fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]);
      const r = seggpt(...applyArgs());
      expectExit(r, 0);
      assert.match(r.stdout, /0 written, 4 skipped, 0 failed/);
      const after = fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]);
      assert.deepEqual(after, before);
    });

    it('--overwrite model redoes the model masks, not the labelled one', () => {
      const r = seggpt(...applyArgs(), '--overwrite', 'model');
      expectExit(r, 0);
      assert.match(r.stdout, /3 written, 1 skipped, 0 failed/);
      assert.match(r.stdout, /done\.jpg: mask exists and was not made by SegGPT/);
    });

    it('--mask-template with its own folder: written there, and not listed as images on rerun', async () => {
      const d = path.join(work, 'apply-template');
      await writeSceneImage(path.join(d, 'a.jpg'), centredDisc(40, 30));
      await writeSceneImage(path.join(d, 'sub', 'b.png'), centredDisc(30, 50));
      const args = [
        'apply',
        ...common(),
        '--recursive',
        '--mask-template',
        '${dir}/masks/${stem}.png',
        d,
      ];
      const r = seggpt(...args);
      expectExit(r, 0);
      assert.match(r.stdout, /2 written, 0 skipped, 0 failed/);
      assert.deepEqual(pngHeader(path.join(d, 'masks', 'a.png')).width, 40);
      assert.deepEqual(pngHeader(path.join(d, 'sub', 'masks', 'b.png')).width, 30);
      const again = seggpt(...args);
      expectExit(again, 0);
      assert.match(again.stdout, /0 written, 2 skipped, 0 failed/);
    });

    it('a bad --mask-template is refused before anything is written', async () => {
      const d = path.join(work, 'apply-bad-template');
      await writeSceneImage(path.join(d, 'a.jpg'), centredDisc(40, 30));
      const r = seggpt('apply', ...common(), '--mask-template', '${dir}/${base}.png', d);
      assert.ok(r.status === 1 || r.status === 2, `exit ${r.status}`);
      assert.match(r.stderr, /unknown variable \$\{base\}/);
      assert.deepEqual(fs.readdirSync(d), ['a.jpg']);
    });

    it('reports a corrupt image as failed (exit 1) and still writes the others', async () => {
      const d = path.join(work, 'apply-corrupt');
      await writeSceneImage(path.join(d, 'good.png'), centredDisc(40, 30));
      fs.writeFileSync(
        path.join(d, 'broken.jpg'),
        Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]),
      );
      const r = seggpt('apply', ...common(), d);
      expectExit(r, 1);
      assert.match(r.stdout, /failed .*broken\.jpg: /);
      assert.match(r.stdout, /1 written, 0 skipped, 1 failed/);
      assert.deepEqual(fs.readdirSync(d).sort(), ['broken.jpg', 'good.png', 'good_mask.png']);
    });

    it('a missing folder fails with "folder not found"', () => {
      const r = seggpt('apply', ...common(), path.join(work, 'no-such-folder'));
      assert.ok(r.status === 1 || r.status === 2, `exit ${r.status}`);
      assert.match(r.stderr, /folder not found: .*no-such-folder/);
    });

    it('a folder without images exits 2', () => {
      const empty = tempDir('cli-empty');
      fs.writeFileSync(path.join(empty, 'readme.txt'), 'hi');
      const r = seggpt('apply', ...common(), empty);
      expectExit(r, 2);
      assert.match(r.stderr, /no images found/);
    });
  });
});
