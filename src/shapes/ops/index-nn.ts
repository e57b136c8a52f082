/** Shape functions of the ONNX neural-network ops (conv, pool, resize, normalization ...). */
import type { OpDef } from "../define-op.js";

export const ONNX_NN_OPS: readonly OpDef[] = [];
