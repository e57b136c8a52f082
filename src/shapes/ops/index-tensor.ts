/**
 * Shape functions of the ONNX tensor, elementwise, reduction and shape-computing ops, and of
 * control flow. The nn ops (conv, pool, resize, pad, normalization, activations, Softmax,
 * Dropout) are registered by `index-nn.ts`; an op type is registered by one of the two only.
 */
import type { OpDef } from "../define-op.js";
import { CONCAT_SPLIT_OPS } from "./concat-split.js";
import { CONSTANT_OPS } from "./constant.js";
import { CONTROL_FLOW_OPS } from "./control-flow.js";
import { EINSUM_OPS } from "./einsum.js";
import { ELEMENTWISE_OPS } from "./elementwise.js";
import { GATHER_OPS } from "./gather.js";
import { GENERATOR_OPS } from "./generators.js";
import { LOSS_OPS } from "./loss.js";
import { MATMUL_OPS } from "./matmul.js";
import { QUANTIZE_OPS } from "./quantize.js";
import { REDUCE_OPS } from "./reduce.js";
import { RESHAPE_OPS } from "./reshape.js";
import { SHAPE_OPS } from "./shape-ops.js";
import { SLICE_OPS } from "./slice.js";
import { SQUEEZE_OPS } from "./squeeze.js";
import { TRANSPOSE_OPS } from "./transpose.js";

/** Every ONNX tensor-op definition. */
export const ONNX_TENSOR_OPS: readonly OpDef[] = [
  ...ELEMENTWISE_OPS,
  ...CONCAT_SPLIT_OPS,
  ...SLICE_OPS,
  ...RESHAPE_OPS,
  ...TRANSPOSE_OPS,
  ...SQUEEZE_OPS,
  ...MATMUL_OPS,
  ...REDUCE_OPS,
  ...SHAPE_OPS,
  ...GATHER_OPS,
  ...CONSTANT_OPS,
  ...CONTROL_FLOW_OPS,
  ...EINSUM_OPS,
  ...QUANTIZE_OPS,
  ...GENERATOR_OPS,
  ...LOSS_OPS,
];
