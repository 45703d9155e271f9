/**
 * An independent, plain float64 implementation of the SegGPT forward pass, written straight from
 * docs/seggpt-model.md §3 and §5. It checks the ONNX graph the engine builds: simple loops,
 * readability over speed, meant for tiny configs only.
 */
import { geometryOf, type SegGptConfig } from '../../src/engine/config';

/** Looks a weight tensor up by its safetensors name (row-major, PyTorch layout). */
export type ReferenceWeights = (name: string) => Float64Array;

/** The model's inputs: N (prompt, query) pairs, each image [N,3,h,w] normalized, NCHW. */
export interface ReferenceInputs {
  /** Query images [N,3,h,w] (h = image_size[0] / 2, w = image_size[1]). */
  readonly pixelValues: Float32Array | Float64Array;
  /** Prompt images [N,3,h,w]. */
  readonly promptPixelValues: Float32Array | Float64Array;
  /** Prompt masks [N,3,h,w]. */
  readonly promptMasks: Float32Array | Float64Array;
  /** N, the number of rows. */
  readonly batch: number;
  /** Which type token is added to both streams. */
  readonly embeddingType: 'instance' | 'semantic';
  /** G: rows come in consecutive groups of G prompts sharing one query (1 = independent). */
  readonly ensembleSize: number;
}

/** Intermediates collected by referenceForward, all float64 and channels last. */
export interface ReferenceTaps {
  /** Embeddings entering block 0: [2N, gridH, gridW, hidden], image rows then mask rows. */
  embeddings: Float64Array | null;
  /** Output of each block (for block merge_index: before the merge); [2N or N, gh, gw, hidden]. */
  blockOutputs: Float64Array[];
  /** Each kept feature LN_final(x) in block order: [N, gridH, gridW, hidden]. */
  features: Float64Array[];
}

/** A fresh, empty ReferenceTaps to pass to referenceForward. */
export function emptyTaps(): ReferenceTaps {
  return { embeddings: null, blockOutputs: [], features: [] };
}

// ---------------------------------------------------------------------------------------------
// Special functions

const SQRT_PI = Math.sqrt(Math.PI);

/** Where erf/erfc switch from the series to the continued fraction. */
const CF_FROM = 1.5;

/**
 * erf for |x| < 3: erf(x) = 2/√π · e^(−x²) · Σ_n x·(2x²)^n / (1·3·5···(2n+1)).
 * Every term is positive, so the sum keeps full float64 relative precision.
 */
function erfSeries(x: number): number {
  const twoX2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= twoX2 / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x * x) * sum;
}

/**
 * erfc for x ≥ 3 from the continued fraction
 * erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))),
 * evaluated with the modified Lentz method.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** The error function in float64 (absolute error about 1e-16). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < CF_FROM) return erfSeries(x);
  const tail = erfcContinuedFraction(Math.abs(x));
  return x > 0 ? 1 - tail : tail - 1;
}

/** The complementary error function 1 − erf(x), accurate in the far tail too. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= CF_FROM) return erfcContinuedFraction(x);
  if (x <= -CF_FROM) return 2 - erfcContinuedFraction(-x);
  return 1 - erfSeries(x);
}

/** Exact GELU: x · Φ(x) = x/2 · erfc(−x/√2). */
export function gelu(x: number): number {
  return 0.5 * x * erfc(-x / Math.SQRT2);
}

// ---------------------------------------------------------------------------------------------
// Building blocks on row-major float64 arrays

/** y[r, o] = b[o] + Σ_i x[r, i] · W[o, i] for W stored (out, in) as in PyTorch. */
function linear(
  x: Float64Array,
  rows: number,
  inDim: number,
  weight: Float64Array,
  bias: Float64Array | null,
  outDim: number,
): Float64Array {
  const y = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let s = bias ? bias[o] : 0;
      for (let i = 0; i < inDim; i++) s += x[r * inDim + i] * weight[o * inDim + i];
      y[r * outDim + o] = s;
    }
  }
  return y;
}

/** LayerNorm over the last axis (biased variance) with scale and shift. */
function layerNorm(
  x: Float64Array,
  rows: number,
  dim: number,
  weight: Float64Array,
  bias: Float64Array,
  eps: number,
): Float64Array {
  const y = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < dim; i++) mean += x[r * dim + i];
    mean /= dim;
    let variance = 0;
    for (let i = 0; i < dim; i++) variance += (x[r * dim + i] - mean) ** 2;
    variance /= dim;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < dim; i++) {
      y[r * dim + i] = (x[r * dim + i] - mean) * inv * weight[i] + bias[i];
    }
  }
  return y;
}

/** Cubic convolution weight (PyTorch's bicubic kernel) at distance d, A = −0.75. */
function cubicWeight(d: number): number {
  const A = -0.75;
  const ad = Math.abs(d);
  if (ad <= 1) return ((A + 2) * ad - (A + 3)) * ad * ad + 1;
  if (ad < 2) return A * ad * ad * ad - 5 * A * ad * ad + 8 * A * ad - 4 * A;
  return 0;
}

/** For each output index: its four source indices (clamped) and their bicubic weights. */
function bicubicTaps(inSize: number, outSize: number): { index: number[]; weight: number[] }[] {
  const scale = inSize / outSize;
  const taps: { index: number[]; weight: number[] }[] = [];
  for (let i = 0; i < outSize; i++) {
    const src = (i + 0.5) * scale - 0.5; // not clamped: negative values are kept for cubic
    const x0 = Math.floor(src);
    const t = src - x0;
    const index = [x0 - 1, x0, x0 + 1, x0 + 2].map((k) => Math.min(Math.max(k, 0), inSize - 1));
    const weight = [cubicWeight(t + 1), cubicWeight(t), cubicWeight(1 - t), cubicWeight(2 - t)];
    taps.push({ index, weight });
  }
  return taps;
}

/**
 * The position table without its CLS row, P×P×hidden, resized to gridH×gridW×hidden with
 * PyTorch's bicubic (align_corners false, A = −0.75, clamped borders): rows first, then columns.
 */
export function interpolatePositionTable(
  table: Float64Array,
  posGrid: number,
  hidden: number,
  gridH: number,
  gridW: number,
): Float64Array {
  const at = (r: number, c: number, ch: number): number =>
    table[(1 + r * posGrid + c) * hidden + ch];
  const rowTaps = bicubicTaps(posGrid, gridH);
  const colTaps = bicubicTaps(posGrid, gridW);
  // Rows: [gridH, P, hidden].
  const byRows = new Float64Array(gridH * posGrid * hidden);
  for (let i = 0; i < gridH; i++) {
    for (let c = 0; c < posGrid; c++) {
      for (let ch = 0; ch < hidden; ch++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += rowTaps[i].weight[k] * at(rowTaps[i].index[k], c, ch);
        byRows[(i * posGrid + c) * hidden + ch] = s;
      }
    }
  }
  // Columns: [gridH, gridW, hidden].
  const out = new Float64Array(gridH * gridW * hidden);
  for (let i = 0; i < gridH; i++) {
    for (let j = 0; j < gridW; j++) {
      for (let ch = 0; ch < hidden; ch++) {
        let s = 0;
        for (let k = 0; k < 4; k++) {
          s += colTaps[j].weight[k] * byRows[(i * posGrid + colTaps[j].index[k]) * hidden + ch];
        }
        out[(i * gridW + j) * hidden + ch] = s;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The forward pass

/** Stacks top [N,3,h,w] over bottom [N,3,h,w] into a canvas [N,3,2h,w]. */
function stackCanvas(
  top: Float32Array | Float64Array,
  bottom: Float32Array | Float64Array,
  n: number,
  h: number,
  w: number,
): Float64Array {
  const plane = h * w;
  if (top.length !== n * 3 * plane || bottom.length !== n * 3 * plane) {
    throw new Error(`inputs must be [${n},3,${h},${w}]`);
  }
  const canvas = new Float64Array(n * 3 * 2 * plane);
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < 3; c++) {
      const dst = (b * 3 + c) * 2 * plane;
      const src = (b * 3 + c) * plane;
      for (let i = 0; i < plane; i++) {
        canvas[dst + i] = top[src + i];
        canvas[dst + plane + i] = bottom[src + i];
      }
    }
  }
  return canvas;
}

/** Conv with kernel = stride = patch: canvas [N,3,H,W] → [N, gridH, gridW, hidden]. */
function patchEmbed(
  canvas: Float64Array,
  n: number,
  config: SegGptConfig,
  weight: Float64Array,
  bias: Float64Array,
): Float64Array {
  const { gridH, gridW } = geometryOf(config);
  const [H, W] = config.imageSize;
  const p = config.patchSize;
  const hid = config.hiddenSize;
  const out = new Float64Array(n * gridH * gridW * hid);
  for (let b = 0; b < n; b++) {
    for (let gy = 0; gy < gridH; gy++) {
      for (let gx = 0; gx < gridW; gx++) {
        for (let o = 0; o < hid; o++) {
          let s = bias[o];
          for (let c = 0; c < 3; c++) {
            for (let ky = 0; ky < p; ky++) {
              for (let kx = 0; kx < p; kx++) {
                const pixel = canvas[((b * 3 + c) * H + gy * p + ky) * W + gx * p + kx];
                s += pixel * weight[((o * 3 + c) * p + ky) * p + kx];
              }
            }
          }
          out[((b * gridH + gy) * gridW + gx) * hid + o] = s;
        }
      }
    }
  }
  return out;
}

/** Multi-head attention with decomposed relative-position bias; x is [rows, tokens, hidden]. */
function attention(
  x: Float64Array,
  rows: number,
  config: SegGptConfig,
  prefix: string,
  weights: ReferenceWeights,
): Float64Array {
  const { gridH, gridW, headDim } = geometryOf(config);
  const hid = config.hiddenSize;
  const heads = config.numAttentionHeads;
  const tokens = gridH * gridW;
  const qkv = linear(
    x,
    rows * tokens,
    hid,
    weights(`${prefix}.qkv.weight`),
    config.qkvBias ? weights(`${prefix}.qkv.bias`) : null,
    3 * hid,
  );
  const relPosH = weights(`${prefix}.rel_pos_h`); // [2·gridH − 1, headDim]
  const relPosW = weights(`${prefix}.rel_pos_w`); // [2·gridW − 1, headDim]
  const scale = 1 / Math.sqrt(headDim);
  // q, k, v of one head, channel c, token t of row b: qkv[(b·tokens + t)·3h + part·h + head·hd + c].
  const val = (b: number, t: number, part: number, head: number, c: number): number =>
    qkv[(b * tokens + t) * 3 * hid + part * hid + head * headDim + c];

  const context = new Float64Array(rows * tokens * hid);
  const scores = new Float64Array(tokens);
  for (let b = 0; b < rows; b++) {
    for (let head = 0; head < heads; head++) {
      for (let qt = 0; qt < tokens; qt++) {
        const qh = Math.floor(qt / gridW);
        const qw = qt % gridW;
        // rel_h[kh] = Σc q·Rh[qh,kh], rel_w[kw] = Σc q·Rw[qw,kw], from the unscaled q.
        const relH = new Float64Array(gridH);
        for (let kh = 0; kh < gridH; kh++) {
          let s = 0;
          for (let c = 0; c < headDim; c++) {
            s += val(b, qt, 0, head, c) * relPosH[(qh - kh + gridH - 1) * headDim + c];
          }
          relH[kh] = s;
        }
        const relW = new Float64Array(gridW);
        for (let kw = 0; kw < gridW; kw++) {
          let s = 0;
          for (let c = 0; c < headDim; c++) {
            s += val(b, qt, 0, head, c) * relPosW[(qw - kw + gridW - 1) * headDim + c];
          }
          relW[kw] = s;
        }
        let max = -Infinity;
        for (let kt = 0; kt < tokens; kt++) {
          let dot = 0;
          for (let c = 0; c < headDim; c++) {
            dot += val(b, qt, 0, head, c) * scale * val(b, kt, 1, head, c);
          }
          const s = dot + relH[Math.floor(kt / gridW)] + relW[kt % gridW];
          scores[kt] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let kt = 0; kt < tokens; kt++) {
          scores[kt] = Math.exp(scores[kt] - max);
          sum += scores[kt];
        }
        for (let c = 0; c < headDim; c++) {
          let s = 0;
          for (let kt = 0; kt < tokens; kt++) s += scores[kt] * val(b, kt, 2, head, c);
          context[(b * tokens + qt) * hid + head * headDim + c] = s / sum;
        }
      }
    }
  }
  return linear(
    context,
    rows * tokens,
    hid,
    weights(`${prefix}.proj.weight`),
    weights(`${prefix}.proj.bias`),
    hid,
  );
}

/**
 * Feature ensemble (BAAI semantics): within each group of G consecutive rows of one stream, the
 * query half (patch rows gridH/2..gridH−1) of o is replaced by its mean over the group.
 * `streams` is 2 before the merge (image rows 0..N−1, mask rows N..2N−1), 1 after.
 */
function ensembleQueryHalf(
  o: Float64Array,
  n: number,
  streams: number,
  groupSize: number,
  config: SegGptConfig,
): void {
  if (groupSize === 1) return;
  const { gridH, gridW } = geometryOf(config);
  const hid = config.hiddenSize;
  const tokens = gridH * gridW;
  const queryStart = (gridH / 2) * gridW;
  for (let s = 0; s < streams; s++) {
    for (let g = 0; g < n / groupSize; g++) {
      const first = s * n + g * groupSize;
      for (let t = queryStart; t < tokens; t++) {
        for (let c = 0; c < hid; c++) {
          let mean = 0;
          for (let j = 0; j < groupSize; j++) mean += o[((first + j) * tokens + t) * hid + c];
          mean /= groupSize;
          for (let j = 0; j < groupSize; j++) o[((first + j) * tokens + t) * hid + c] = mean;
        }
      }
    }
  }
}

/** One pre-LayerNorm block: x + ensemble(attn(LN(x))), then + MLP(LN(·)). Returns a new array. */
function block(
  x: Float64Array,
  n: number,
  streams: number,
  groupSize: number,
  layer: number,
  config: SegGptConfig,
  weights: ReferenceWeights,
): Float64Array {
  const { gridH, gridW } = geometryOf(config);
  const hid = config.hiddenSize;
  const rows = n * streams;
  const count = rows * gridH * gridW;
  const eps = config.layerNormEps;
  const p = `model.encoder.layers.${layer}`;

  const h1 = layerNorm(
    x,
    count,
    hid,
    weights(`${p}.layernorm_before.weight`),
    weights(`${p}.layernorm_before.bias`),
    eps,
  );
  const o = attention(h1, rows, config, `${p}.attention`, weights);
  ensembleQueryHalf(o, n, streams, groupSize, config);
  const x1 = new Float64Array(count * hid);
  for (let i = 0; i < x1.length; i++) x1[i] = x[i] + o[i];

  const h2 = layerNorm(
    x1,
    count,
    hid,
    weights(`${p}.layernorm_after.weight`),
    weights(`${p}.layernorm_after.bias`),
    eps,
  );
  const a = linear(
    h2,
    count,
    hid,
    weights(`${p}.mlp.lin1.weight`),
    weights(`${p}.mlp.lin1.bias`),
    config.mlpDim,
  );
  for (let i = 0; i < a.length; i++) a[i] = gelu(a[i]);
  const m = linear(
    a,
    count,
    config.mlpDim,
    weights(`${p}.mlp.lin2.weight`),
    weights(`${p}.mlp.lin2.bias`),
    hid,
  );
  const x2 = new Float64Array(count * hid);
  for (let i = 0; i < x2.length; i++) x2[i] = x1[i] + m[i];
  return x2;
}

/** Decoder: features [N, gh, gw, T·hidden] → full canvas prediction [N, 3, H, W]. */
function decoder(
  features: Float64Array,
  n: number,
  config: SegGptConfig,
  weights: ReferenceWeights,
): Float64Array {
  const { gridH, gridW } = geometryOf(config);
  const [H, W] = config.imageSize;
  const p = config.patchSize;
  const d = config.decoderHiddenSize;
  const inDim = config.intermediateHiddenStateIndices.length * config.hiddenSize;
  const tokens = gridH * gridW;

  // Linear to p²·d per patch, then pixel-shuffle: vector index (py·p + px)·d + c → (c, y, x).
  const embed = linear(
    features,
    n * tokens,
    inDim,
    weights('decoder.decoder_embed.weight'),
    weights('decoder.decoder_embed.bias'),
    p * p * d,
  );
  const image = new Float64Array(n * d * H * W);
  for (let b = 0; b < n; b++) {
    for (let gy = 0; gy < gridH; gy++) {
      for (let gx = 0; gx < gridW; gx++) {
        const base = (b * tokens + gy * gridW + gx) * p * p * d;
        for (let py = 0; py < p; py++) {
          for (let px = 0; px < p; px++) {
            for (let c = 0; c < d; c++) {
              const y = gy * p + py;
              const x = gx * p + px;
              image[((b * d + c) * H + y) * W + x] = embed[base + (py * p + px) * d + c];
            }
          }
        }
      }
    }
  }

  // Conv 3×3, padding 1, d → d.
  const convW = weights('decoder.decoder_pred.conv.weight'); // [d, d, 3, 3]
  const convB = weights('decoder.decoder_pred.conv.bias');
  const conv = new Float64Array(n * d * H * W);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < d; o++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let s = convB[o];
          for (let i = 0; i < d; i++) {
            for (let ky = 0; ky < 3; ky++) {
              const yy = y + ky - 1;
              if (yy < 0 || yy >= H) continue;
              for (let kx = 0; kx < 3; kx++) {
                const xx = x + kx - 1;
                if (xx < 0 || xx >= W) continue;
                s +=
                  convW[((o * d + i) * 3 + ky) * 3 + kx] * image[((b * d + i) * H + yy) * W + xx];
              }
            }
          }
          conv[((b * d + o) * H + y) * W + x] = s;
        }
      }
    }
  }

  // LayerNorm over the d channels at each pixel, GELU, then Conv 1×1 d → 3.
  const lnW = weights('decoder.decoder_pred.layernorm.weight');
  const lnB = weights('decoder.decoder_pred.layernorm.bias');
  const headW = weights('decoder.decoder_pred.head.weight'); // [3, d, 1, 1]
  const headB = weights('decoder.decoder_pred.head.bias');
  const out = new Float64Array(n * 3 * H * W);
  const pixel = new Float64Array(d);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < d; c++) pixel[c] = conv[((b * d + c) * H + y) * W + x];
        const normed = layerNorm(pixel, 1, d, lnW, lnB, config.layerNormEps);
        for (let c = 0; c < d; c++) normed[c] = gelu(normed[c]);
        for (let o = 0; o < 3; o++) {
          let s = headB[o];
          for (let c = 0; c < d; c++) s += headW[o * d + c] * normed[c];
          out[((b * 3 + o) * H + y) * W + x] = s;
        }
      }
    }
  }
  return out;
}

/**
 * The SegGPT forward pass for N (prompt, query) pairs: the full canvas prediction [N, 3, H, W]
 * (rows H/2..H−1 are the query's), NCHW float64. Fills `taps` with intermediates when given.
 */
export function referenceForward(
  config: SegGptConfig,
  weights: ReferenceWeights,
  inputs: ReferenceInputs,
  taps?: ReferenceTaps,
): Float64Array {
  const geo = geometryOf(config);
  const { gridH, gridW } = geo;
  const n = inputs.batch;
  const groupSize = inputs.ensembleSize;
  const hid = config.hiddenSize;
  const tokens = gridH * gridW;
  if (!Number.isInteger(groupSize) || groupSize < 1 || n % groupSize !== 0) {
    throw new Error(`batch ${n} is not divisible by ensemble size ${groupSize}`);
  }

  // 1. Canvases: image = prompt over query; mask = prompt mask over itself.
  const imageCanvas = stackCanvas(
    inputs.promptPixelValues,
    inputs.pixelValues,
    n,
    geo.inputH,
    geo.inputW,
  );
  const maskCanvas = stackCanvas(inputs.promptMasks, inputs.promptMasks, n, geo.inputH, geo.inputW);

  // 2. Shared patch embedding.
  const projW = weights('model.embeddings.patch_embeddings.projection.weight');
  const projB = weights('model.embeddings.patch_embeddings.projection.bias');
  const imageEmb = patchEmbed(imageCanvas, n, config, projW, projB);
  const maskEmb = patchEmbed(maskCanvas, n, config, projW, projB);

  // 3. Mask tokens replace the bottom half of the mask stream.
  const maskToken = weights('model.embeddings.mask_token');
  for (let b = 0; b < n; b++) {
    for (let t = (gridH / 2) * gridW; t < tokens; t++) {
      for (let c = 0; c < hid; c++) maskEmb[(b * tokens + t) * hid + c] = maskToken[c];
    }
  }

  // 4. Segment tokens, position table, type token.
  const segInput = weights('model.embeddings.segment_token_input');
  const segPrompt = weights('model.embeddings.segment_token_prompt');
  const typeToken = weights(
    inputs.embeddingType === 'semantic'
      ? 'model.embeddings.type_token_semantic'
      : 'model.embeddings.type_token_instance',
  );
  const pos = interpolatePositionTable(
    weights('model.embeddings.position_embeddings'),
    geo.posGrid,
    hid,
    gridH,
    gridW,
  );

  // 5. Stack the streams on the batch axis: [image 0..N−1, mask 0..N−1].
  let x: Float64Array = new Float64Array(2 * n * tokens * hid);
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < tokens; t++) {
      for (let c = 0; c < hid; c++) {
        const src = (b * tokens + t) * hid + c;
        const common = pos[t * hid + c] + typeToken[c];
        x[src] = imageEmb[src] + segInput[c] + common;
        x[n * tokens * hid + src] = maskEmb[src] + segPrompt[c] + common;
      }
    }
  }
  if (taps) taps.embeddings = x.slice();

  // 6. The blocks; merge the two streams after block merge_index; keep LN_final at the taps.
  let streams = 2;
  const kept: Float64Array[] = [];
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    x = block(x, n, streams, groupSize, layer, config, weights);
    if (taps) taps.blockOutputs.push(x.slice());
    if (layer === config.mergeIndex) {
      const merged = new Float64Array(n * tokens * hid);
      for (let i = 0; i < merged.length; i++) merged[i] = (x[i] + x[merged.length + i]) / 2;
      x = merged;
      streams = 1;
    }
    if (config.intermediateHiddenStateIndices.includes(layer)) {
      if (streams !== 1) throw new Error(`tap ${layer} comes before the merge`);
      const feature = layerNorm(
        x,
        n * tokens,
        hid,
        weights('model.encoder.layernorm.weight'),
        weights('model.encoder.layernorm.bias'),
        config.layerNormEps,
      );
      kept.push(feature);
      if (taps) taps.features.push(feature.slice());
    }
  }

  // 7. Concatenate the kept features on channels and decode.
  const taken = kept.length;
  if (taken !== config.intermediateHiddenStateIndices.length) {
    throw new Error('intermediate_hidden_state_indices must be distinct');
  }
  const features = new Float64Array(n * tokens * taken * hid);
  for (let r = 0; r < n * tokens; r++) {
    for (let k = 0; k < taken; k++) {
      for (let c = 0; c < hid; c++) {
        features[(r * taken + k) * hid + c] = kept[k][r * hid + c];
      }
    }
  }
  return decoder(features, n, config, weights);
}
