import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { geometryOf, parseConfig } from '../../src/engine/config';
import { convertModel } from '../../src/engine/convert';
import type { AttentionKind } from '../../src/engine/onnx/relPosAttention';
import { mulberry32, RandomWeights } from '../../src/engine/randomWeights';
import { SegGptSession } from '../../src/engine/segGptSession';
import { referenceForward } from '../reference/seggptReference';
import { maxAbsDiff } from '../support/fixtures';
import { queryHalf } from '../support/queryHalf';

/**
 * A second, independent check: the ONNX graph against the plain float64 TypeScript reference,
 * on a configuration unlike the fixture's (odd head count, no qkv bias, a non-square canvas,
 * merge after block 2, three taps) and with random weights of our own.
 */
describe('SegGPT ONNX graph vs. float64 reference on another config', () => {
  const config = parseConfig({
    hidden_size: 24,
    num_hidden_layers: 5,
    num_attention_heads: 3,
    mlp_dim: 40,
    image_size: [96, 32],
    patch_size: 8,
    pretrain_image_size: 32,
    merge_index: 2,
    intermediate_hidden_state_indices: [2, 3, 4],
    decoder_hidden_size: 6,
    qkv_bias: false,
  });
  const geo = geometryOf(config);
  const weights = new RandomWeights(config, 7);
  const reference = new Map<string, Float64Array>();
  let dir: string;
  let session: SegGptSession;
  /** The same model with the other attention formulations (see AttentionKind). */
  const others = new Map<AttentionKind, SegGptSession>();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-ref-'));
    for (const t of weights.tensors()) {
      reference.set(t.name, Float64Array.from(await weights.readF32(t.name)));
    }
    await convertModel({ config, weights, outPath: path.join(dir, 'm.onnx'), precision: 'fp32' });
    session = await SegGptSession.load(path.join(dir, 'm.onnx'), { providers: ['cpu'] });
    for (const attention of ['fused', 'plain', 'flash'] as const) {
      const outPath = path.join(dir, `${attention}.onnx`);
      await convertModel({ config, weights, outPath, precision: 'fp32', attention });
      others.set(attention, await SegGptSession.load(outPath, { providers: ['cpu'] }));
    }
  });

  after(async () => {
    await session?.release();
    for (const s of others.values()) await s.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const random = (n: number, seed: number): Float32Array => {
    const rand = mulberry32(seed);
    return Float32Array.from({ length: n }, () => 4 * rand() - 2);
  };

  for (const [rows, group, semantic] of [
    [6, 1, false],
    [6, 2, true],
    [6, 3, false],
  ] as const) {
    it(`agrees for ${rows} rows in groups of ${group} (${semantic ? 'semantic' : 'instance'})`, async () => {
      const size = rows * 3 * geo.inputH * geo.inputW;
      const inputs = {
        pixelValues: random(size, 1),
        promptPixelValues: random(size, 2),
        promptMasks: random(size, 3),
      };
      // Groups share one query, as the engine feeds them.
      if (group > 1) {
        const per = size / rows;
        for (let r = 0; r < rows; r++) {
          const first = r - (r % group);
          inputs.pixelValues.copyWithin(r * per, first * per, (first + 1) * per);
        }
      }
      const expected = referenceForward(
        config,
        (name) => {
          const t = reference.get(name);
          if (!t) throw new Error(`no tensor ${name}`);
          return t;
        },
        {
          ...inputs,
          batch: rows,
          embeddingType: semantic ? 'semantic' : 'instance',
          ensembleSize: group,
        },
      );
      const got = await session.run({ ...inputs, rows, semantic, ensembleSize: group });
      const want = queryHalf(expected, rows, geo.inputH, geo.inputW);
      const err = maxAbsDiff(got, want);
      assert.ok(err <= 1e-4, `max abs error ${err}`);
      for (const [kind, other] of others) {
        const e = maxAbsDiff(
          await other.run({ ...inputs, rows, semantic, ensembleSize: group }),
          want,
        );
        assert.ok(e <= 1e-4, `${kind} attention: max abs error ${e}`);
      }
      // The check has teeth only if the outputs vary between rows and are not tiny.
      assert.ok(
        maxAbsDiff(got.subarray(0, size / rows), got.subarray(size / rows, (2 * size) / rows)) >
          1e-3,
      );
    });
  }
});
