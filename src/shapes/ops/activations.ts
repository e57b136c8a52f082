/**
 * Activation functions and Dropout: every output has the input's shape.
 *
 * The unary activations are a plain list (op type, first opset, attributes) so the registration is
 * one line each. PRelu checks that its slope broadcasts to X (PRelu-7+ doc: "tensor slope should
 * be unidirectional broadcastable to input tensor X"); Softmax/LogSoftmax/Hardmax check `axis`.
 */
import type { DType } from "../../ir/dtype.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { checkUnidirectionalBroadcast } from "./normalization.js";
import { normalizeAxis, sameShapeAs, shapeOf } from "./nn-util.js";

/** `[op type, first opset, attributes]` of the unary same-shape activations. */
const UNARY: readonly (readonly [string, number, readonly string[]])[] = [
  ["Relu", 1, ["consumed_inputs"]],
  ["LeakyRelu", 1, ["alpha", "consumed_inputs"]],
  ["Elu", 1, ["alpha", "consumed_inputs"]],
  ["Selu", 1, ["alpha", "gamma", "consumed_inputs"]],
  ["Sigmoid", 1, ["consumed_inputs"]],
  ["Tanh", 1, ["consumed_inputs"]],
  ["HardSigmoid", 1, ["alpha", "beta", "consumed_inputs"]],
  ["Softplus", 1, []],
  ["Softsign", 1, []],
  ["Shrink", 9, ["bias", "lambd"]],
  ["ThresholdedRelu", 10, ["alpha"]],
  ["Celu", 12, ["alpha"]],
  ["HardSwish", 14, []],
  ["Mish", 18, []],
  ["Gelu", 20, ["approximate"]],
  ["Swish", 24, ["alpha"]],
];

/** PRelu: Y has X's shape; since PRelu-7 the slope must broadcast to X. */
function inferPRelu(ctx: InferContext): InferResult {
  const xs = shapeOf(ctx, 0);
  const ss = shapeOf(ctx, 1);
  if (ctx.opset >= 7 && xs && ss) checkUnidirectionalBroadcast(ctx, xs, ss, "slope");
  return [sameShapeAs(ctx)];
}

/** Softmax, LogSoftmax, Hardmax (1, 11, 13): same shape; `axis` must lie in `[-r, r)`. */
function inferSoftmax(ctx: InferContext): InferResult {
  const xs = shapeOf(ctx, 0);
  // Default axis: 1 before opset 13 (coerced to 2-D), -1 since.
  const axis = ctx.int("axis", ctx.opset >= 13 ? -1 : 1);
  if (xs && xs.length > 0 && normalizeAxis(axis, xs.length) === null) {
    ctx.contradiction("BAD_ATTRIBUTE", `axis ${axis} of ${ctx.node.opType} is out of range for rank ${xs.length}`, { attribute: "axis", value: axis, rank: xs.length });
  }
  return [sameShapeAs(ctx)];
}

/** Dropout: output and optional mask (bool since Dropout-10, X's type before). */
function inferDropout(ctx: InferContext, maskDtype: DType | null): InferResult {
  const y = sameShapeAs(ctx);
  return [y, tensor(maskDtype ?? y.dtype, y.shape)];
}

/** Activation and Dropout definitions. */
export const ACTIVATION_OPS: readonly OpDef[] = [
  ...UNARY.map(([type, since, attrs]) => defineOp({ type, domain: "", since, attrs, infer: (c) => [sameShapeAs(c)] })),
  defineOp({ type: "PRelu", domain: "", since: 1, attrs: ["consumed_inputs"], infer: inferPRelu }),
  ...["Softmax", "LogSoftmax", "Hardmax"].map((type) => defineOp({ type, domain: "", since: 1, attrs: ["axis"], infer: inferSoftmax })),
  defineOp({ type: "Dropout", domain: "", since: 1, attrs: ["consumed_inputs", "is_test", "ratio"], infer: (c) => inferDropout(c, null) }),
  defineOp({ type: "Dropout", domain: "", since: 7, attrs: ["ratio"], infer: (c) => inferDropout(c, null) }),
  defineOp({ type: "Dropout", domain: "", since: 10, attrs: ["ratio"], infer: (c) => inferDropout(c, "bool") }),
  // Dropout-12: ratio and training_mode became inputs; seed attribute.
  defineOp({ type: "Dropout", domain: "", since: 12, attrs: ["seed"], infer: (c) => inferDropout(c, "bool") }),
];
