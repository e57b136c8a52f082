/**
 * The CPU reference kernel: float32 NN ops (Conv/ConvTranspose through a packed GEMM, pools,
 * Resize, Pad, normalisations, activations) and the integer shape ops of exported graphs, plus
 * a graph executor. Written independently of `src/shapes/` so that running a model is an
 * independent check of the static shape propagation.
 */
export { runModel, randomInput, tensorFromLoaded } from "./execute.js";
export type { AttributeOverride, RunOptions, RunProgress, RunResult, ValueShape } from "./execute.js";
export { KernelError, RuntimeShapeError } from "./errors.js";
export type { KernelErrorCode } from "./errors.js";
export { KERNELS, hasKernel, supportedOps } from "./ops.js";
export type { OpContext, OpKernel, OpNode } from "./ops.js";
export { conv, convDirect, convTranspose, convTransposeDirect } from "./conv.js";
export type { ConvAttrs, ConvTransposeAttrs } from "./conv.js";
export { gemmBackend, setGemmBackend, sgemm } from "./gemm.js";
export type { GemmBackend } from "./gemm.js";
export { floatTensor, formatDims, randomFloat, sizeOf, tensorFrom, toNumbers } from "./tensor.js";
export type { FloatTensor, KernelDType, Tensor, TensorData } from "./tensor.js";
