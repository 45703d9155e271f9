/**
 * Running a model as its two split graphs: the prompt encoder (the mask stream up to the merge,
 * which depends on the prompt masks alone) once per prompt, then the query graph per batch.
 */
import type * as ort from 'onnxruntime-node';
import type { SegGptGeometry } from './config';
import { GRAPH_IO } from './onnx/seggptGraph';

/** The prompt's mask stream after block merge_index, ready to feed the query graph. */
export interface PromptFeatures {
  /** [rows, L, hidden] float32. */
  readonly maskStream: Float32Array;
  readonly rows: number;
  readonly semantic: boolean;
  readonly ensembleSize: number;
}

/** The two sessions of a split model and how to feed them. */
export class SplitRunner {
  constructor(
    private readonly runtime: typeof ort,
    readonly prompt: ort.InferenceSession,
    readonly query: ort.InferenceSession,
    private readonly geometry: SegGptGeometry,
    private readonly hidden: number,
    /** The query graph accepts one prompt row for all queries (see runQuery). */
    readonly sharedPrompt = false,
  ) {}

  /** Encodes prompt masks [rows,3,h,w] (rows in groups of `ensembleSize`). */
  async encodePrompt(
    promptMasks: Float32Array,
    rows: number,
    semantic: boolean,
    ensembleSize: number,
  ): Promise<PromptFeatures> {
    const { inputH: h, inputW: w } = this.geometry;
    const out = await this.prompt.run(
      {
        [GRAPH_IO.promptMasks]: new this.runtime.Tensor('float32', promptMasks, [rows, 3, h, w]),
        ...this.flags(semantic, ensembleSize),
      },
      [GRAPH_IO.maskStream],
    );
    const t = out[GRAPH_IO.maskStream];
    if (!t) throw new Error('the prompt graph returned no mask_stream');
    return { maskStream: t.data as Float32Array, rows, semantic, ensembleSize };
  }

  /**
   * Runs queries [rows,3,h,w] against encoded prompt features and prompt images of the same
   * rows, or (sharedPrompt) of one row that serves every query.
   */
  async runQuery(
    features: PromptFeatures,
    pixelValues: Float32Array,
    promptPixelValues: Float32Array,
  ): Promise<Float32Array> {
    const { inputH: h, inputW: w } = this.geometry;
    const perRow = 3 * h * w;
    const rows = pixelValues.length / perRow;
    const promptRows = features.rows;
    if (promptRows !== rows && !(this.sharedPrompt && promptRows === 1)) {
      throw new Error(`${rows} queries against prompt features of ${promptRows} rows`);
    }
    if (promptPixelValues.length !== promptRows * perRow) {
      throw new Error(
        `prompt images of ${promptPixelValues.length / perRow} rows for ${promptRows}`,
      );
    }
    const T = this.runtime.Tensor;
    const tokens = this.geometry.gridH * this.geometry.gridW;
    const out = await this.query.run(
      {
        [GRAPH_IO.pixelValues]: new T('float32', pixelValues, [rows, 3, h, w]),
        [GRAPH_IO.promptPixelValues]: new T('float32', promptPixelValues, [promptRows, 3, h, w]),
        [GRAPH_IO.maskStream]: new T('float32', features.maskStream, [
          promptRows,
          tokens,
          this.hidden,
        ]),
        ...this.flags(features.semantic, features.ensembleSize),
      },
      [GRAPH_IO.predMasks],
    );
    const t = out[GRAPH_IO.predMasks];
    if (!t) throw new Error('the query graph returned no pred_masks');
    return t.data as Float32Array;
  }

  /** Frees both sessions. */
  async release(): Promise<void> {
    await Promise.all([this.prompt.release(), this.query.release()]);
  }

  private flags(semantic: boolean, ensembleSize: number): Record<string, ort.Tensor> {
    const T = this.runtime.Tensor;
    return {
      [GRAPH_IO.embeddingType]: new T('int64', BigInt64Array.of(semantic ? 1n : 0n), [1]),
      [GRAPH_IO.ensembleSize]: new T('int64', BigInt64Array.of(BigInt(ensembleSize)), [1]),
    };
  }
}
