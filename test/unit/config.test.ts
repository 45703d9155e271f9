import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  VIT_LARGE,
  geometryOf,
  parseConfig,
  toHfConfig,
  validateConfig,
  type SegGptConfig,
} from '../../src/engine/config';
import {
  WeightsError,
  checkWeightsFit,
  expectedTensors,
  type TensorInfo,
  type WeightSource,
} from '../../src/engine/weights';

const FIXTURE = join(__dirname, '../../../test/fixtures/seggpt-tiny-reference');

function fixtureJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>;
}

function paramCount(c: SegGptConfig): number {
  let total = 0;
  for (const shape of expectedTensors(c).values()) total += shape.reduce((a, b) => a * b, 1);
  return total;
}

function sourceOf(tensors: TensorInfo[]): WeightSource {
  return {
    tensors: () => tensors,
    readF32: () => Promise.reject(new Error('not used')),
    close: () => Promise.resolve(),
  };
}

function rejects(raw: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseConfig(raw),
    (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
  );
}

describe('config', () => {
  it('parses the tiny fixture config', () => {
    const c = parseConfig(fixtureJson());
    assert.equal(c.hiddenSize, 32);
    assert.equal(c.numHiddenLayers, 6);
    assert.equal(c.numAttentionHeads, 4);
    assert.equal(c.mlpDim, 128);
    assert.deepEqual(c.imageSize, [128, 64]);
    assert.equal(c.mergeIndex, 1);
    assert.deepEqual(c.intermediateHiddenStateIndices, [1, 3, 4, 5]);
    assert.equal(c.decoderHiddenSize, 4);
    assert.equal(c.layerNormEps, 1e-6);
    assert.deepEqual(geometryOf(c), {
      gridH: 8,
      gridW: 4,
      headDim: 8,
      posGrid: 3,
      inputH: 64,
      inputW: 64,
    });
  });

  it('lists the 102 tensors of the tiny fixture with the documented shapes', () => {
    const t = expectedTensors(parseConfig(fixtureJson()));
    assert.equal(t.size, 102);
    assert.deepEqual(t.get('model.embeddings.position_embeddings'), [1, 10, 32]);
    assert.deepEqual(t.get('model.encoder.layers.0.attention.rel_pos_h'), [15, 8]);
    assert.deepEqual(t.get('model.encoder.layers.5.attention.rel_pos_w'), [7, 8]);
    assert.deepEqual(t.get('decoder.decoder_embed.weight'), [16 * 16 * 4, 4 * 32]);
  });

  it('takes ViT-L values for an empty config', () => {
    const c = parseConfig({});
    assert.deepEqual(c, VIT_LARGE);
    assert.deepEqual(geometryOf(c), {
      gridH: 56,
      gridW: 28,
      headDim: 64,
      posGrid: 14,
      inputH: 448,
      inputW: 448,
    });
  });

  it('expects the ViT-L tensors: 354 of them, 370,723,203 parameters', () => {
    // 14 per block × 24 + 18 others. (docs/seggpt-model.md §1 says 402; the parameter count,
    // the HF layer definition and the 6-block fixture's 102 = 14 × 6 + 18 all agree on 354.)
    const t = expectedTensors(VIT_LARGE);
    assert.equal(t.size, 354);
    assert.equal(paramCount(VIT_LARGE), 370_723_203);
    assert.deepEqual(t.get('model.embeddings.position_embeddings'), [1, 197, 1024]);
    assert.deepEqual(t.get('model.encoder.layers.23.attention.rel_pos_h'), [111, 64]);
    assert.deepEqual(t.get('model.encoder.layers.23.attention.rel_pos_w'), [55, 64]);
    assert.deepEqual(t.get('decoder.decoder_embed.weight'), [16384, 4096]);
    assert.deepEqual(t.get('decoder.decoder_pred.head.weight'), [3, 64, 1, 1]);
  });

  it('omits the qkv biases when qkv_bias is false', () => {
    const c = parseConfig({ ...fixtureJson(), qkv_bias: false });
    assert.equal(expectedTensors(c).size, 102 - 6);
    assert.equal(expectedTensors(c).has('model.encoder.layers.0.attention.qkv.bias'), false);
  });

  it('round-trips through toHfConfig', () => {
    const c = parseConfig(fixtureJson());
    assert.deepEqual(parseConfig(toHfConfig(c)), c);
  });

  it('accepts a square image_size given as one number', () => {
    assert.deepEqual(parseConfig({ image_size: 448 }).imageSize, [448, 448]);
  });

  it('rejects heads that do not divide hidden_size', () => {
    rejects({ hidden_size: 30, num_attention_heads: 4 }, /not divisible by num_attention_heads/);
  });

  it('rejects an image size not divisible by the patch size', () => {
    rejects({ image_size: [896, 450] }, /not divisible by patch_size 16/);
    rejects({ image_size: [880, 448] }, /even number of patches/);
    rejects({ pretrain_image_size: 200 }, /pretrain_image_size 200/);
  });

  it('rejects merge_index after a tap, and taps outside the blocks', () => {
    rejects({ merge_index: 6 }, /intermediate index 5 comes before merge_index 6/);
    rejects({ merge_index: 24 }, /merge_index 24 must be below/);
    rejects({ intermediate_hidden_state_indices: [5, 24] }, /outside 0\.\.23/);
    rejects({ intermediate_hidden_state_indices: [] }, /list of integers/);
    rejects({ intermediate_hidden_state_indices: [5, 1.5] }, /list of integers/);
  });

  it('rejects a non-object', () => {
    for (const raw of [null, undefined, 42, 'seggpt', [1, 2], true]) {
      rejects(raw, /must be a JSON object/);
    }
  });

  it('rejects a wrong model_type and unsupported features', () => {
    rejects({ model_type: 'vit' }, /model_type is "vit", not "seggpt"/);
    rejects({ hidden_act: 'gelu_new' }, /hidden_act "gelu_new" is not supported/);
    rejects({ num_channels: 1 }, /num_channels must be 3/);
    rejects({ use_relative_position_embeddings: false }, /not supported/);
    rejects({ qkv_bias: 'yes' }, /qkv_bias must be true or false/);
    rejects({ layer_norm_eps: 0 }, /layer_norm_eps must be a positive number/);
    rejects({ layer_norm_eps: '1e-6' }, /layer_norm_eps must be a positive number/);
    rejects({ intermediate_hidden_state_indices: [3, 2] }, /strictly increasing/);
  });

  it('rejects non-integer and out-of-range fields', () => {
    rejects({ hidden_size: 32.5 }, /hidden_size must be an integer ≥ 1, got 32.5/);
    rejects({ num_hidden_layers: '24' }, /num_hidden_layers must be an integer/);
    rejects({ patch_size: 0 }, /patch_size must be an integer ≥ 1/);
    rejects({ merge_index: -1 }, /merge_index must be an integer ≥ 0/);
    rejects({ mlp_dim: Number.NaN }, /mlp_dim must be an integer/);
    rejects({ image_size: [896, 448, 3] }, /image_size must be \[height, width\]/);
    rejects({ image_size: [896.5, 448] }, /image_size must be \[height, width\]/);
  });

  it('validateConfig checks a hand-built config', () => {
    assert.doesNotThrow(() => validateConfig(VIT_LARGE));
    assert.throws(
      () => validateConfig({ ...VIT_LARGE, numAttentionHeads: 5 }),
      (err: unknown) => err instanceof ConfigError && err.name === 'ConfigError',
    );
    assert.throws(() => validateConfig({ ...VIT_LARGE, mergeIndex: 12 }), ConfigError);
  });
});

describe('checkWeightsFit', () => {
  const c = parseConfig(fixtureJson());
  const all = (): TensorInfo[] =>
    [...expectedTensors(c)].map(([name, shape]) => ({ name, dtype: 'F32', shape }));

  it('accepts exactly the expected tensors, and extra ones', () => {
    assert.doesNotThrow(() => checkWeightsFit(sourceOf(all()), c));
    const extra = [...all(), { name: 'unused', dtype: 'F16' as const, shape: [2] }];
    assert.doesNotThrow(() => checkWeightsFit(sourceOf(extra), c));
  });

  it('names a missing tensor', () => {
    const some = all().filter((t) => t.name !== 'decoder.decoder_pred.head.bias');
    assert.throws(
      () => checkWeightsFit(sourceOf(some), c),
      (err: unknown) =>
        err instanceof WeightsError &&
        /lack tensor "decoder.decoder_pred.head.bias"/.test(err.message),
    );
  });

  it('names a tensor with the wrong shape', () => {
    const wrong = all().map((t) =>
      t.name === 'model.encoder.layers.2.attention.rel_pos_w' ? { ...t, shape: [9, 8] } : t,
    );
    assert.throws(
      () => checkWeightsFit(sourceOf(wrong), c),
      /rel_pos_w" has shape \[9, 8\], the config needs \[7, 8\]/,
    );
    const rank = all().map((t) =>
      t.name === 'decoder.decoder_pred.head.bias' ? { ...t, shape: [3, 1] } : t,
    );
    assert.throws(() => checkWeightsFit(sourceOf(rank), c), WeightsError);
  });
});
