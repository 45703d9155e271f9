/** The float64 reference model against the tiny fixture (outputs and case a's intermediates). */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parseConfig, type SegGptConfig } from '../../src/engine/config';
import {
  emptyTaps,
  erf,
  erfc,
  gelu,
  referenceForward,
  type ReferenceInputs,
  type ReferenceTaps,
} from '../reference/seggptReference';
import { fixturePath, maxAbsDiff, readF32, readF64 } from '../support/fixtures';
import { loadWeightsF64, weightLookup } from '../support/loadWeights';

const OUTPUT_TOLERANCE = 1e-5;
const INTERMEDIATE_TOLERANCE = 1e-5;

function inputsOf(
  prefix: string,
  batch: number,
  embeddingType: 'instance' | 'semantic',
  ensembleSize: number,
): ReferenceInputs {
  return {
    pixelValues: readF32(fixturePath(`${prefix}_pixel_values.bin`)),
    promptPixelValues: readF32(fixturePath(`${prefix}_prompt_pixel_values.bin`)),
    promptMasks: readF32(fixturePath(`${prefix}_prompt_masks.bin`)),
    batch,
    embeddingType,
    ensembleSize,
  };
}

describe('erf and GELU (float64)', () => {
  it('match known values to about 1e-16', () => {
    const cases: [number, number][] = [
      [erf(0), 0],
      [erf(0.5), 0.5204998778130465],
      [erf(1), 0.8427007929497149],
      [erf(2), 0.9953222650189527],
      [erf(2.9), 0.9999589021219005],
      [erf(-1), -0.8427007929497149],
      [erfc(3), 2.2090496998585438e-5],
      [erfc(5.5), 7.357847917974398e-15],
      [erfc(-1.2), 1.9103139782296354],
      [gelu(1), 0.8413447460685429],
    ];
    for (const [got, want] of cases) {
      assert.ok(Math.abs(got - want) <= 4e-16 * Math.max(1, Math.abs(want)), `${got} vs ${want}`);
    }
    // Relative accuracy in the tail.
    assert.ok(Math.abs(erfc(5.5) / 7.357847917974398e-15 - 1) < 1e-14);
  });
});

describe('referenceForward on the tiny fixture', function () {
  this.timeout(120000);
  let config: SegGptConfig;
  let weights: (name: string) => Float64Array;

  before(async () => {
    config = parseConfig(JSON.parse(readFileSync(fixturePath('config.json'), 'utf8')));
    weights = weightLookup(await loadWeightsF64(fixturePath('model.safetensors')));
  });

  it('case a (instance, b1): intermediates and output', () => {
    const taps: ReferenceTaps = emptyTaps();
    const out = referenceForward(config, weights, inputsOf('in_b1', 1, 'instance', 1), taps);
    assert.ok(taps.embeddings);
    const emb = maxAbsDiff(taps.embeddings, readF64(fixturePath('int_a_embeddings_f64.bin')));
    assert.ok(emb <= INTERMEDIATE_TOLERANCE, `embeddings differ by ${emb}`);
    for (let layer = 0; layer < config.numHiddenLayers; layer++) {
      const want = readF64(fixturePath(`int_a_layer${layer}_out_f64.bin`));
      const err = maxAbsDiff(taps.blockOutputs[layer], want);
      assert.ok(err <= INTERMEDIATE_TOLERANCE, `block ${layer} output differs by ${err}`);
    }
    config.intermediateHiddenStateIndices.forEach((index, k) => {
      const want = readF64(fixturePath(`int_a_intermediate_layer${index}_f64.bin`));
      const err = maxAbsDiff(taps.features[k], want);
      assert.ok(err <= INTERMEDIATE_TOLERANCE, `feature ${index} differs by ${err}`);
    });
    const err = maxAbsDiff(out, readF64(fixturePath('out_a_instance_b1_pred_masks_f64.bin')));
    assert.ok(err <= OUTPUT_TOLERANCE, `output differs by ${err}`);
  });

  const outputCases: [string, () => ReferenceInputs, string][] = [
    ['case b (semantic, b1)', () => inputsOf('in_b1', 1, 'semantic', 1), 'out_b_semantic_b1'],
    [
      'case d (two pairs, no ensemble)',
      () => inputsOf('in_b2', 2, 'instance', 1),
      'out_d_pairs_b2',
    ],
    [
      'case p (ensemble of 2, semantic)',
      () => inputsOf('in_ens', 2, 'semantic', 2),
      'out_p_ensemble_semantic_b2',
    ],
  ];
  for (const [title, makeInputs, expected] of outputCases) {
    it(`${title}: output`, () => {
      const out = referenceForward(config, weights, makeInputs());
      const err = maxAbsDiff(out, readF64(fixturePath(`${expected}_pred_masks_f64.bin`)));
      assert.ok(err <= OUTPUT_TOLERANCE, `output differs by ${err}`);
    });
  }
});
