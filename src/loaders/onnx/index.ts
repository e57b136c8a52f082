/**
 * The ONNX loader's public surface.
 */
export { decodeOnnxModel, loadOnnxFile, loadOnnxFileWithStats, looksLikeOnnx, looksLikeTensorProto, MAX_IR_VERSION, MIN_IR_VERSION } from "./onnx-loader.js";
export type { OnnxLoadOptions, OnnxLoadResult } from "./onnx-loader.js";
export { decodeTensorFile, decodeTensorHeader, externalDataPath, readTensorData, tensorNumbers } from "./tensor-data.js";
export type { DecodedTensorFile, TensorData } from "./tensor-data.js";
export { MAX_DIM } from "./onnx-decode.js";
