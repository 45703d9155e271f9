/** Common layers as ONNX subgraphs: linear, LayerNorm, exact GELU. Weights come in PyTorch layout. */
import { float, int, ints, type GraphBuilder } from './graphBuilder';

/** Transposes a row-major [rows, cols] matrix. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c] as number;
  }
  return out;
}

/**
 * Symmetric per-column int8 quantization of a row-major [rows, cols] matrix:
 * value = round(w / scale) with scale = max|column| / 127.
 */
export function quantizeColumns(
  w: Float32Array,
  rows: number,
  cols: number,
): { values: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[r * cols + c] as number);
      if (a > (scales[c] as number)) scales[c] = a;
    }
  }
  for (let c = 0; c < cols; c++) scales[c] = (scales[c] as number) / 127 || 1;
  const values = new Int8Array(rows * cols);
  for (let i = 0; i < values.length; i++) {
    values[i] = Math.round((w[i] as number) / (scales[i % cols] as number));
  }
  return { values, scales };
}

/**
 * y = x·Wᵀ + b over the last axis. `weight` is PyTorch's (out, in); it is stored transposed
 * (in, out) so MatMul needs no runtime transpose.
 */
export function linear(
  g: GraphBuilder,
  x: string,
  name: string,
  weight: Float32Array,
  bias: Float32Array | undefined,
  inDim: number,
  outDim: number,
): string {
  const wT = transpose2d(weight, outDim, inDim);
  if (g.precision === 'int8') {
    // int8 weights, one scale per output column; activations are quantized per call.
    const { values, scales } = quantizeColumns(wT, inDim, outDim);
    const q = g.weightInt8(`${name}.weight_int8`, values, [inDim, outDim]);
    const s = g.weight(`${name}.weight_scale`, scales, [outDim]);
    const b = bias ? g.weight(`${name}.bias`, bias, [outDim]) : '';
    return g.op('DynamicQuantizeMatMul', [x, q, s, '', b], {}, 'com.microsoft');
  }
  const w = g.weight(`${name}.weight`, wT, [inDim, outDim]);
  const y = g.op('MatMul', [x, w]);
  return bias ? g.op('Add', [y, g.weight(`${name}.bias`, bias, [outDim])]) : y;
}

/**
 * x·Wᵀ with its bias returned apart (as an initializer name), for a consumer that adds it in
 * its own kernel (skipLayerNorm).
 */
export function linearDeferredBias(
  g: GraphBuilder,
  x: string,
  name: string,
  weight: Float32Array,
  bias: Float32Array,
  inDim: number,
  outDim: number,
  /** The bias initializer's name when it is not the layer's own bias (default `<name>.bias`). */
  biasName = `${name}.bias`,
): { y: string; bias: string } {
  return {
    y: linear(g, x, name, weight, undefined, inDim, outDim),
    bias: g.weight(biasName, bias, [outDim]),
  };
}

/** LayerNorm over the last axis; statistics in float32 even for fp16 graphs. */
export function layerNorm(
  g: GraphBuilder,
  x: string,
  name: string,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
): string {
  const s = g.weight(`${name}.weight`, gamma, [gamma.length]);
  const b = g.weight(`${name}.bias`, beta, [beta.length]);
  return layerNormOp(g, x, s, b, eps);
}

/** LayerNormalization over the last axis with given scale and bias values, statistics in float32. */
export function layerNormOp(
  g: GraphBuilder,
  x: string,
  scale: string,
  bias: string,
  eps: number,
): string {
  return g.op('LayerNormalization', [x, scale, bias], {
    axis: int(-1),
    epsilon: float(eps),
    stash_type: int(1),
  });
}

/**
 * LayerNorm of input + skip (+ bias), and that sum: [normalized, sum]. float16 graphs (GPUs) use
 * onnxruntime's SkipLayerNormalization kernel, one pass for both; float32 and int8 graphs add
 * first and use LayerNormalization, because onnxruntime's CPU SkipLayerNormalization is several
 * times slower than the two Adds and the LayerNorm together (ViT-L rows, 1568×1024: 4.4 vs
 * 1.0–1.4 ms on the development machine). Statistics in float32 either way.
 */
export function skipLayerNorm(
  g: GraphBuilder,
  input: string,
  skip: string,
  name: string,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  bias?: string,
): [string, string] {
  const s = g.weight(`${name}.weight`, gamma, [gamma.length]);
  const b = g.weight(`${name}.bias`, beta, [beta.length]);
  if (g.precision !== 'fp16') {
    const sum = g.op('Add', [skip, bias ? g.op('Add', [input, bias]) : input]);
    return [layerNormOp(g, sum, s, b, eps), sum];
  }
  const [normed, , , sum] = g.opN(
    'SkipLayerNormalization',
    [input, skip, s, b, ...(bias ? [bias] : [])],
    [true, false, false, true],
    { epsilon: float(eps) },
    'com.microsoft',
  );
  return [normed as string, sum as string];
}

/** Exact GELU, x·½·(1 + erf(x/√2)), in the pattern onnxruntime fuses into one kernel. */
export function gelu(g: GraphBuilder, x: string): string {
  const e = g.op('Erf', [g.op('Div', [x, g.constF([Math.SQRT2], [])])]);
  const y = g.op('Mul', [x, g.op('Add', [e, g.constF([1], [])])]);
  return g.op('Mul', [y, g.constF([0.5], [])]);
}

/** Reshape to a fixed target (0 copies a dimension, −1 infers one). */
export function reshape(g: GraphBuilder, x: string, shape: number[]): string {
  return g.op('Reshape', [x, g.constI64(shape)]);
}

/** Transpose with a permutation. */
export function transpose(g: GraphBuilder, x: string, perm: number[]): string {
  return g.op('Transpose', [x], { perm: ints(perm) });
}

/** Slice along one axis. */
export function slice(
  g: GraphBuilder,
  x: string,
  axis: number,
  start: number,
  end: number,
): string {
  return g.op('Slice', [x, g.constI64([start]), g.constI64([end]), g.constI64([axis])]);
}
