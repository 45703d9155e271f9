/** The weight tensors a SegGPT model needs, and the interface every weight source implements. */
import { geometryOf, type SegGptConfig } from './config';

/** Element types a weight file may hold; the engine reads every one as float32. */
export type WeightDtype = 'F32' | 'F16' | 'BF16';

/** Name, type and shape of one stored tensor. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: WeightDtype;
  readonly shape: readonly number[];
}

/** Anything that can hand out named float32 tensors: a safetensors file, a random generator. */
export interface WeightSource {
  /** Every tensor the source holds. */
  tensors(): readonly TensorInfo[];
  /** Reads one tensor as float32 (converting F16/BF16); rejects for an unknown name. */
  readF32(name: string): Promise<Float32Array>;
  /** Releases file handles. */
  close(): Promise<void>;
}

/** Thrown when weights do not fit the config: a missing tensor or a wrong shape. */
export class WeightsError extends Error {
  override readonly name = 'WeightsError';
}

/** The tensors (name → shape) that a model of this config has, in a stable order. */
export function expectedTensors(c: SegGptConfig): Map<string, number[]> {
  const g = geometryOf(c);
  const h = c.hiddenSize;
  const m = new Map<string, number[]>();
  for (const t of [
    'mask_token',
    'segment_token_input',
    'segment_token_prompt',
    'type_token_semantic',
    'type_token_instance',
  ]) {
    m.set(`model.embeddings.${t}`, [1, 1, 1, h]);
  }
  m.set('model.embeddings.patch_embeddings.projection.weight', [
    h,
    c.numChannels,
    c.patchSize,
    c.patchSize,
  ]);
  m.set('model.embeddings.patch_embeddings.projection.bias', [h]);
  m.set('model.embeddings.position_embeddings', [1, 1 + g.posGrid * g.posGrid, h]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `model.encoder.layers.${i}`;
    m.set(`${p}.layernorm_before.weight`, [h]);
    m.set(`${p}.layernorm_before.bias`, [h]);
    m.set(`${p}.attention.qkv.weight`, [3 * h, h]);
    if (c.qkvBias) m.set(`${p}.attention.qkv.bias`, [3 * h]);
    m.set(`${p}.attention.proj.weight`, [h, h]);
    m.set(`${p}.attention.proj.bias`, [h]);
    m.set(`${p}.attention.rel_pos_h`, [2 * g.gridH - 1, g.headDim]);
    m.set(`${p}.attention.rel_pos_w`, [2 * g.gridW - 1, g.headDim]);
    m.set(`${p}.layernorm_after.weight`, [h]);
    m.set(`${p}.layernorm_after.bias`, [h]);
    m.set(`${p}.mlp.lin1.weight`, [c.mlpDim, h]);
    m.set(`${p}.mlp.lin1.bias`, [c.mlpDim]);
    m.set(`${p}.mlp.lin2.weight`, [h, c.mlpDim]);
    m.set(`${p}.mlp.lin2.bias`, [h]);
  }
  m.set('model.encoder.layernorm.weight', [h]);
  m.set('model.encoder.layernorm.bias', [h]);
  const d = c.decoderHiddenSize;
  const taps = c.intermediateHiddenStateIndices.length;
  m.set('decoder.decoder_embed.weight', [c.patchSize * c.patchSize * d, taps * h]);
  m.set('decoder.decoder_embed.bias', [c.patchSize * c.patchSize * d]);
  m.set('decoder.decoder_pred.conv.weight', [d, d, 3, 3]);
  m.set('decoder.decoder_pred.conv.bias', [d]);
  m.set('decoder.decoder_pred.layernorm.weight', [d]);
  m.set('decoder.decoder_pred.layernorm.bias', [d]);
  m.set('decoder.decoder_pred.head.weight', [3, d, 1, 1]);
  m.set('decoder.decoder_pred.head.bias', [3]);
  return m;
}

/** Checks that a source holds every tensor the config needs, with the right shape. */
export function checkWeightsFit(source: WeightSource, c: SegGptConfig): void {
  const have = new Map(source.tensors().map((t) => [t.name, t]));
  for (const [name, shape] of expectedTensors(c)) {
    const t = have.get(name);
    if (!t) throw new WeightsError(`weights lack tensor "${name}" that the config needs`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new WeightsError(
        `tensor "${name}" has shape [${t.shape.join(', ')}], the config needs [${shape.join(', ')}]`,
      );
    }
  }
}
