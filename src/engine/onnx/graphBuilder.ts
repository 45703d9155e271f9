/** A small typed builder for ONNX graphs: nodes, initializers, inputs and outputs. */
import { float32ToFloat16Bits } from '../halfFloat';
import type { InitializerStore } from './initializerStore';
import { ModelProto, OnnxAttrType, OnnxDataType } from './onnxSchema';

/**
 * Numeric precision inside the graph; I/O stays float32. `int8`: linear layers with int8
 * weights (per output column) and dynamically quantized activations, the rest float32.
 */
export type Precision = 'fp32' | 'fp16' | 'int8';

/** All precisions, for validation. */
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'int8'];

/** One attribute value, tagged with its ONNX type. */
export type Attr =
  | { type: OnnxAttrType.INT; i: number }
  | { type: OnnxAttrType.FLOAT; f: number }
  | { type: OnnxAttrType.INTS; ints: number[] }
  | { type: OnnxAttrType.STRING; s: Uint8Array }
  | { type: OnnxAttrType.GRAPH; g: object };

/** An integer attribute. */
export const int = (i: number): Attr => ({ type: OnnxAttrType.INT, i });
/** A float attribute. */
export const float = (f: number): Attr => ({ type: OnnxAttrType.FLOAT, f });
/** A list-of-integers attribute. */
export const ints = (v: number[]): Attr => ({ type: OnnxAttrType.INTS, ints: v });
/** A string attribute. */
export const str = (s: string): Attr => ({ type: OnnxAttrType.STRING, s: Buffer.from(s, 'utf8') });

/** A graph input or output dimension: a fixed size or a symbolic name. */
export type Dim = number | string;

interface NodeJson {
  opType: string;
  domain?: string;
  name: string;
  input: string[];
  output: string[];
  attribute: (Attr & { name: string })[];
}

interface ValueInfoJson {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: object[] } } };
}

/** Builds one ONNX graph; weights go through an InitializerStore so large models stream out. */
export class GraphBuilder {
  private nodes: NodeJson[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: ValueInfoJson[] = [];
  private readonly outputs: ValueInfoJson[] = [];
  private counter = 0;
  private readonly constCache = new Map<string, string>();

  /** The ONNX element type of computation (FLOAT or FLOAT16). */
  readonly computeType: OnnxDataType;

  constructor(
    private readonly store: InitializerStore,
    readonly precision: Precision,
  ) {
    this.computeType = precision === 'fp16' ? OnnxDataType.FLOAT16 : OnnxDataType.FLOAT;
  }

  /** A fresh, unique value name. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /**
   * A subgraph attribute (a branch of If): the nodes `build` adds go into it, and the value it
   * returns is its one output, in the compute precision. Values of the enclosing graph are
   * visible inside by name.
   */
  subgraph(name: string, build: () => string): Attr {
    const outer = this.nodes;
    this.nodes = [];
    try {
      const out = this.op('Identity', [build()]);
      const g = {
        name,
        node: this.nodes,
        output: [{ name: out, type: { tensorType: { elemType: this.computeType } } }],
      };
      return { type: OnnxAttrType.GRAPH, g };
    } finally {
      this.nodes = outer;
    }
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, domain?: string): string {
    return this.opN(opType, inputs, 1, attrs, domain)[0] as string;
  }

  /** Adds a node with several outputs and returns their names. */
  opN(
    opType: string,
    inputs: string[],
    /** How many outputs, or which of them are wanted (the others are left unnamed: ''). */
    outputs: number | readonly boolean[],
    attrs: Record<string, Attr> = {},
    domain?: string,
  ): string[] {
    const name = this.fresh(opType);
    const wanted = typeof outputs === 'number' ? Array<boolean>(outputs).fill(true) : outputs;
    const output = wanted.map((w, i) => (w ? `${name}_out${i}` : ''));
    this.nodes.push({
      opType,
      ...(domain ? { domain } : {}),
      name,
      input: inputs,
      output,
      attribute: Object.entries(attrs).map(([n, a]) => ({ name: n, ...a })),
    });
    return output;
  }

  /**
   * Adds a named initializer holding float weights in the compute precision. Names are model
   * weights shared by the graphs of one conversion; `unique` ones (constants) are not shared.
   */
  weight(name: string, data: Float32Array, dims: readonly number[], unique = false): string {
    checkSize(data.length, dims, name);
    const bytes = (): Uint8Array =>
      this.precision === 'fp16' ? bytesOf(float32ToFloat16Bits(data)) : bytesOf(data);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: this.computeType,
      ...(unique ? this.store.store(bytes()) : this.store.storeNamed(name, bytes)),
    });
    return name;
  }

  /** Adds a named int8 initializer (quantized weights). */
  weightInt8(name: string, data: Int8Array, dims: readonly number[]): string {
    checkSize(data.length, dims, name);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: OnnxDataType.INT8,
      ...this.store.storeNamed(
        name,
        () => new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      ),
    });
    return name;
  }

  /** A float constant in the compute precision (deduplicated for scalars). */
  constF(values: Float32Array | number[], dims: readonly number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    if (data.length <= 4) {
      const key = `f:${dims.join(',')}:${Array.from(data).join(',')}`;
      const hit = this.constCache.get(key);
      if (hit) return hit;
      const name = this.weight(this.fresh('const'), data, dims, true);
      this.constCache.set(key, name);
      return name;
    }
    return this.weight(this.fresh('const'), data, dims, true);
  }

  /** An int64 constant (shapes, axes, indices), deduplicated. */
  constI64(values: number[], dims: readonly number[] = [values.length]): string {
    const key = `i:${dims.join(',')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh('shape');
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: OnnxDataType.INT64,
      rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))),
    });
    this.constCache.set(key, name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, elemType: OnnxDataType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares a graph output, renaming the value `from` to `name` with an Identity node. */
  output(name: string, from: string, elemType: OnnxDataType, dims: readonly Dim[]): void {
    this.nodes.push({
      opType: 'Identity',
      name: this.fresh('Identity'),
      input: [from],
      output: [name],
      attribute: [],
    });
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Casts a float32 value to the compute precision (no-op for fp32). */
  toCompute(value: string): string {
    return this.precision === 'fp16'
      ? this.op('Cast', [value], { to: int(OnnxDataType.FLOAT16) })
      : value;
  }

  /** Casts a compute-precision value to float32 (no-op for fp32). */
  toFloat32(value: string): string {
    return this.precision === 'fp16'
      ? this.op('Cast', [value], { to: int(OnnxDataType.FLOAT) })
      : value;
  }

  /** Number of nodes so far (for tests and logs). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Serializes the model (weights already streamed to the store). */
  encode(meta: { producer: string; version: string; props: Record<string, string> }): Uint8Array {
    const model = ModelProto.fromObject({
      irVersion: 8,
      producerName: meta.producer,
      producerVersion: meta.version,
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'com.microsoft', version: 1 },
      ],
      metadataProps: Object.entries(meta.props).map(([key, value]) => ({ key, value })),
      graph: {
        name: 'seggpt',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, elemType: OnnxDataType, dims: readonly Dim[]): ValueInfoJson {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function bytesOf(a: Float32Array | Uint16Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function checkSize(n: number, dims: readonly number[], name: string): void {
  const want = dims.reduce((p, d) => p * d, 1);
  if (want !== n) throw new Error(`initializer ${name}: ${n} values for dims [${dims.join(', ')}]`);
}
