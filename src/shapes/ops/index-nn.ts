/**
 * Shape functions of the ONNX neural-network ops: convolutions, transposed convolution, pooling,
 * resize/upsample, pad, depth/space rearrangement, normalization, activations and Dropout,
 * recurrent layers and grid sampling. The
 * tensor, elementwise and shape-computing ops are registered by `index-tensor.ts`; an op type
 * must be registered by one of the two only (test/shapes/nn/registry.test.ts checks it).
 */
import type { OpDef } from "../define-op.js";
import { ACTIVATION_OPS } from "./activations.js";
import { CONV_TRANSPOSE_OPS } from "./conv-transpose.js";
import { CONV_OPS } from "./conv.js";
import { NORMALIZATION_OPS } from "./normalization.js";
import { PAD_OPS } from "./pad.js";
import { POOL_OPS } from "./pool.js";
import { RESIZE_OPS } from "./resize.js";
import { RNN_OPS } from "./rnn.js";
import { SAMPLING_OPS } from "./sampling.js";
import { SPACE_DEPTH_OPS } from "./space-depth.js";

/** Every ONNX nn op definition. */
export const ONNX_NN_OPS: readonly OpDef[] = [
  ...CONV_OPS,
  ...CONV_TRANSPOSE_OPS,
  ...POOL_OPS,
  ...RESIZE_OPS,
  ...PAD_OPS,
  ...SPACE_DEPTH_OPS,
  ...NORMALIZATION_OPS,
  ...ACTIVATION_OPS,
  ...RNN_OPS,
  ...SAMPLING_OPS,
];
