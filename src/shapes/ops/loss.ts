/**
 * Training losses: NegativeLogLikelihoodLoss (12, 13, 22) and SoftmaxCrossEntropyLoss (12, 13).
 * Input/scores `(N, C, d1..dk)`, target/labels `(N, d1..dk)`: `reduction=none` gives the target's
 * shape, `mean` (default) and `sum` a scalar; SoftmaxCrossEntropyLoss's optional `log_prob` has
 * the scores' shape (onnx/defs/math/defs.cc). The target must be the input without its class
 * axis (ONNX inference: "Input and target dimension value mismatch").
 */
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { provablyDifferent, shapeOf } from "./nn-util.js";

function inferLoss(ctx: InferContext, logProb: boolean): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const ts = shapeOf(ctx, 1);
  const dtype = x?.dtype ?? null;
  const reduction = ctx.string("reduction", "mean");
  if (reduction !== "none" && reduction !== "mean" && reduction !== "sum") {
    ctx.contradiction("BAD_ATTRIBUTE", `reduction of ${op} must be none, mean or sum; got '${reduction}'`, { attribute: "reduction", value: reduction });
  }
  if (xs && xs.length < 2) ctx.contradiction("RANK_MISMATCH", `${op} input must have rank >= 2 (N, C, ...); got rank ${xs.length}`, { expected: ">= 2", actual: xs.length });
  let target: ShapeDim[] | null = xs && xs.length >= 2 ? [xs[0] ?? null, ...xs.slice(2)] : null;
  if (ts && target) {
    if (ts.length !== target.length) {
      ctx.contradiction("RANK_MISMATCH", `${op} target must have rank ${target.length} (the input without its class axis); got ${ts.length}`, { expected: target.length, actual: ts.length });
    } else {
      ts.forEach((d, a) => {
        if (provablyDifferent(d, target![a])) {
          ctx.contradiction("BAD_INPUT", `${op} target dim ${a} is ${String(d)} but the input has ${String(target![a])}`, { input: "target", axis: a, expected: target![a] ?? null, actual: d });
        }
      });
      target = target.map((d, a) => d ?? ts[a] ?? null);
    }
  } else if (ts) target = [...ts];
  const loss = tensor(dtype, reduction === "none" ? target : []);
  return logProb ? [loss, tensor(dtype, xs)] : [loss];
}

/** Loss definitions. */
export const LOSS_OPS: readonly OpDef[] = [
  defineOp({ type: "NegativeLogLikelihoodLoss", domain: "", since: 12, attrs: ["ignore_index", "reduction"], infer: (c) => inferLoss(c, false) }),
  defineOp({ type: "SoftmaxCrossEntropyLoss", domain: "", since: 12, attrs: ["ignore_index", "reduction"], infer: (c) => inferLoss(c, true) }),
];
