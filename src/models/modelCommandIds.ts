/** Command ids of the model and GPU features (also listed in package.json). */

/** Downloads and converts BAAI/seggpt-vit-large. */
export const DOWNLOAD_MODEL_COMMAND = 'seggpt.downloadModel';

/** Imports a safetensors or ONNX model file. */
export const IMPORT_MODEL_COMMAND = 'seggpt.importModel';

/** Fetches and checks the CUDA provider libraries. */
export const SET_UP_GPU_COMMAND = 'seggpt.setUpGpu';
