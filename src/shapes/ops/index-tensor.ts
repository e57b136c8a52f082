/** Shape functions of the ONNX tensor, elementwise, reduction and shape-computing ops. */
import type { OpDef } from "../define-op.js";

export const ONNX_TENSOR_OPS: readonly OpDef[] = [];
