/** SegGPT model configuration: parsed from a Hugging Face style `config.json`, validated. */

/** The validated configuration the engine works from. Field names follow the engine, not HF. */
export interface SegGptConfig {
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly mlpDim: number;
  /** Height and width of the stacked canvas (prompt on top, query below). */
  readonly imageSize: readonly [number, number];
  readonly patchSize: number;
  readonly numChannels: number;
  readonly pretrainImageSize: number;
  readonly mergeIndex: number;
  readonly intermediateHiddenStateIndices: readonly number[];
  readonly decoderHiddenSize: number;
  readonly layerNormEps: number;
  readonly qkvBias: boolean;
  readonly useRelativePositionEmbeddings: boolean;
}

/** Quantities derived from a config, used throughout the graph builder and pre-processing. */
export interface SegGptGeometry {
  /** Patch grid of the stacked canvas. */
  readonly gridH: number;
  readonly gridW: number;
  readonly headDim: number;
  /** Side of the square position table (pretrain_image_size / patch_size). */
  readonly posGrid: number;
  /** Size of one input image: half the canvas height, full canvas width. */
  readonly inputH: number;
  readonly inputW: number;
}

/** Thrown for a config that cannot describe a SegGPT model. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The published ViT-L configuration (BAAI/seggpt-vit-large); used for absent fields. */
export const VIT_LARGE: SegGptConfig = {
  hiddenSize: 1024,
  numHiddenLayers: 24,
  numAttentionHeads: 16,
  mlpDim: 4096,
  imageSize: [896, 448],
  patchSize: 16,
  numChannels: 3,
  pretrainImageSize: 224,
  mergeIndex: 2,
  intermediateHiddenStateIndices: [5, 11, 17, 23],
  decoderHiddenSize: 64,
  layerNormEps: 1e-6,
  qkvBias: true,
  useRelativePositionEmbeddings: true,
};

type Json = Record<string, unknown>;

function int(json: Json, key: string, fallback: number, min = 1): number {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ConfigError(`config.${key} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function positive(json: Json, key: string, fallback: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number' || !(v > 0)) {
    throw new ConfigError(`config.${key} must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function bool(json: Json, key: string, fallback: boolean): boolean {
  const v = json[key] ?? fallback;
  if (typeof v !== 'boolean') {
    throw new ConfigError(`config.${key} must be true or false, got ${JSON.stringify(v)}`);
  }
  return v;
}

function imageSizeOf(json: Json): [number, number] {
  const v = json['image_size'] ?? VIT_LARGE.imageSize;
  const pair = typeof v === 'number' ? [v, v] : v;
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    !pair.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)
  ) {
    throw new ConfigError(`config.image_size must be [height, width], got ${JSON.stringify(v)}`);
  }
  return [pair[0] as number, pair[1] as number];
}

/** Parses and validates an HF-style SegGPT config object; absent fields take ViT-L values. */
export function parseConfig(raw: unknown): SegGptConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config must be a JSON object');
  }
  const json = raw as Json;
  if (json['model_type'] !== undefined && json['model_type'] !== 'seggpt') {
    throw new ConfigError(`config.model_type is "${String(json['model_type'])}", not "seggpt"`);
  }
  const hiddenSize = int(json, 'hidden_size', VIT_LARGE.hiddenSize);
  const numHiddenLayers = int(json, 'num_hidden_layers', VIT_LARGE.numHiddenLayers);
  const act = json['hidden_act'] ?? 'gelu';
  if (act !== 'gelu') {
    throw new ConfigError(
      `config.hidden_act "${String(act)}" is not supported (only exact "gelu")`,
    );
  }
  const taps =
    json['intermediate_hidden_state_indices'] ?? VIT_LARGE.intermediateHiddenStateIndices;
  if (
    !Array.isArray(taps) ||
    taps.length === 0 ||
    !taps.every((t) => typeof t === 'number' && Number.isInteger(t))
  ) {
    throw new ConfigError('config.intermediate_hidden_state_indices must be a list of integers');
  }
  const config: SegGptConfig = {
    hiddenSize,
    numHiddenLayers,
    numAttentionHeads: int(json, 'num_attention_heads', VIT_LARGE.numAttentionHeads),
    mlpDim: int(json, 'mlp_dim', 4 * hiddenSize),
    imageSize: imageSizeOf(json),
    patchSize: int(json, 'patch_size', VIT_LARGE.patchSize),
    numChannels: int(json, 'num_channels', VIT_LARGE.numChannels),
    pretrainImageSize: int(json, 'pretrain_image_size', VIT_LARGE.pretrainImageSize),
    mergeIndex: int(json, 'merge_index', VIT_LARGE.mergeIndex, 0),
    intermediateHiddenStateIndices: taps as number[],
    decoderHiddenSize: int(json, 'decoder_hidden_size', VIT_LARGE.decoderHiddenSize),
    layerNormEps: positive(json, 'layer_norm_eps', VIT_LARGE.layerNormEps),
    qkvBias: bool(json, 'qkv_bias', true),
    useRelativePositionEmbeddings: bool(json, 'use_relative_position_embeddings', true),
  };
  validateConfig(config);
  return config;
}

/** Checks the relations between fields that the architecture needs; throws ConfigError. */
export function validateConfig(c: SegGptConfig): void {
  const [h, w] = c.imageSize;
  if (c.hiddenSize % c.numAttentionHeads !== 0) {
    throw new ConfigError(
      `hidden_size ${c.hiddenSize} is not divisible by num_attention_heads ${c.numAttentionHeads}`,
    );
  }
  if (h % c.patchSize !== 0 || w % c.patchSize !== 0) {
    throw new ConfigError(`image_size [${h}, ${w}] is not divisible by patch_size ${c.patchSize}`);
  }
  if ((h / c.patchSize) % 2 !== 0) {
    throw new ConfigError(
      `image_size height ${h} must be an even number of patches (prompt and query halves)`,
    );
  }
  if (c.pretrainImageSize % c.patchSize !== 0) {
    throw new ConfigError(
      `pretrain_image_size ${c.pretrainImageSize} is not divisible by patch_size ${c.patchSize}`,
    );
  }
  if (c.numChannels !== 3) {
    throw new ConfigError(`num_channels must be 3 (RGB), got ${c.numChannels}`);
  }
  if (c.mergeIndex >= c.numHiddenLayers) {
    throw new ConfigError(
      `merge_index ${c.mergeIndex} must be below num_hidden_layers ${c.numHiddenLayers}`,
    );
  }
  const taps = c.intermediateHiddenStateIndices;
  if (taps.some((t, i) => i > 0 && t <= (taps[i - 1] as number))) {
    throw new ConfigError(`intermediate indices [${taps.join(', ')}] must be strictly increasing`);
  }
  for (const t of taps) {
    if (t < 0 || t >= c.numHiddenLayers) {
      throw new ConfigError(`intermediate index ${t} is outside 0..${c.numHiddenLayers - 1}`);
    }
    if (t < c.mergeIndex) {
      throw new ConfigError(`intermediate index ${t} comes before merge_index ${c.mergeIndex}`);
    }
  }
  if (!(c.layerNormEps > 0)) {
    throw new ConfigError(`layer_norm_eps must be positive, got ${c.layerNormEps}`);
  }
  if (!c.useRelativePositionEmbeddings) {
    throw new ConfigError('use_relative_position_embeddings false is not supported');
  }
}

/** Derived sizes of a validated config. */
export function geometryOf(c: SegGptConfig): SegGptGeometry {
  return {
    gridH: c.imageSize[0] / c.patchSize,
    gridW: c.imageSize[1] / c.patchSize,
    headDim: c.hiddenSize / c.numAttentionHeads,
    posGrid: c.pretrainImageSize / c.patchSize,
    inputH: c.imageSize[0] / 2,
    inputW: c.imageSize[1],
  };
}

/** Serializes a config back to HF field names (written beside converted models). */
export function toHfConfig(c: SegGptConfig): Record<string, unknown> {
  return {
    model_type: 'seggpt',
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    mlp_dim: c.mlpDim,
    image_size: [...c.imageSize],
    patch_size: c.patchSize,
    num_channels: c.numChannels,
    pretrain_image_size: c.pretrainImageSize,
    merge_index: c.mergeIndex,
    intermediate_hidden_state_indices: [...c.intermediateHiddenStateIndices],
    decoder_hidden_size: c.decoderHiddenSize,
    layer_norm_eps: c.layerNormEps,
    qkv_bias: c.qkvBias,
    hidden_act: 'gelu',
    use_relative_position_embeddings: true,
  };
}
