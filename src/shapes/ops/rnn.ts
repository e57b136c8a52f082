/**
 * Recurrent ops: RNN (1, 7, 14), GRU (1, 3, 7, 14), LSTM (1, 7, 14); -22 changed types only.
 *
 * ONNX `RNNShapeInference` (onnx/defs/rnn/defs.cc), with `layout` (since 14) 0 / 1:
 * - X: `[seq, batch, input]` / `[batch, seq, input]`
 * - Y: `[seq, num_directions, batch, hidden]` / `[batch, seq, num_directions, hidden]`
 * - Y_h, Y_c: `[num_directions, batch, hidden]` / `[batch, num_directions, hidden]`
 * `num_directions` is 2 for `bidirectional`, else 1. `hidden_size` comes from the attribute or,
 * when absent, from R (`[num_directions, gates*hidden, hidden]`), so exported files without the
 * attribute still get it. W is `[num_directions, gates*hidden, input]`: its input size must match
 * X's (`CHANNEL_MISMATCH` on the feature axis otherwise; onnxruntime fails at run time).
 */
import { mul } from "../../ir/dim.js";
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { provablyDifferent, shapeOf } from "./nn-util.js";

function inferRnn(ctx: InferContext, gates: number, layoutAttr: boolean): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const ws = shapeOf(ctx, 1);
  const rs = shapeOf(ctx, 2);
  const dtype = x?.dtype ?? null;
  const layout = layoutAttr ? ctx.int("layout", 0) : 0;
  const direction = ctx.string("direction", "forward");
  let dirs: number | null = null;
  if (direction === "forward" || direction === "reverse") dirs = 1;
  else if (direction === "bidirectional") dirs = 2;
  else ctx.contradiction("BAD_ATTRIBUTE", `direction of ${op} must be forward, reverse or bidirectional; got '${direction}'`, { attribute: "direction", value: direction });
  if (layout !== 0 && layout !== 1) {
    ctx.contradiction("BAD_ATTRIBUTE", `layout of ${op} must be 0 or 1; got ${layout}`, { attribute: "layout", value: layout });
    return [tensor(dtype, null), tensor(dtype, null), tensor(dtype, null)];
  }
  if (xs && xs.length !== 3) {
    ctx.contradiction("RANK_MISMATCH", `${op} input must be 3-D (${layout === 0 ? "seq, batch, input" : "batch, seq, input"}); got rank ${xs.length}`, { expected: 3, actual: xs.length });
    return [tensor(dtype, null), tensor(dtype, null), tensor(dtype, null)];
  }
  const seq: ShapeDim = xs ? (xs[layout === 0 ? 0 : 1] ?? null) : null;
  const batch: ShapeDim = xs ? (xs[layout === 0 ? 1 : 0] ?? null) : null;
  const hiddenAttr = ctx.int("hidden_size");
  let hidden: ShapeDim = hiddenAttr !== undefined && hiddenAttr > 0 ? hiddenAttr : null;
  if (hidden === null && rs && rs.length === 3) hidden = rs[2] ?? null;
  // Weight checks: W [dirs, gates*hidden, input], R [dirs, gates*hidden, hidden].
  for (const [what, s] of [
    ["W", ws],
    ["R", rs],
  ] as const) {
    if (s === null) continue;
    if (s.length !== 3) {
      ctx.contradiction("RANK_MISMATCH", `${op} ${what} must be 3-D; got rank ${s.length}`, { input: what, expected: 3, actual: s.length });
      continue;
    }
    if (dirs !== null && provablyDifferent(s[0], dirs)) {
      ctx.contradiction("BAD_INPUT", `${op} ${what} has ${String(s[0])} directions but direction is ${direction}`, { input: what, expected: dirs, actual: s[0] ?? null });
    }
    const gh = hidden === null ? null : mul(hidden, gates);
    if (provablyDifferent(s[1], gh)) {
      ctx.contradiction("BAD_INPUT", `${op} ${what} has ${String(s[1])} rows; expected ${gates} gates x hidden ${String(hidden)} = ${String(gh)}`, { input: what, expected: gh, actual: s[1] ?? null });
    }
  }
  if (ws && ws.length === 3 && xs && provablyDifferent(ws[2], xs[2])) {
    ctx.contradiction("CHANNEL_MISMATCH", `${op} input has ${String(xs[2])} features but W expects ${String(ws[2])}`, { expected: ws[2] ?? null, actual: xs[2] ?? null, group: 1, axis: 2 });
  }
  if (rs && rs.length === 3 && hidden !== null && provablyDifferent(rs[2], hidden)) {
    ctx.contradiction("BAD_INPUT", `${op} R has ${String(rs[2])} columns but hidden_size is ${String(hidden)}`, { input: "R", expected: hidden, actual: rs[2] ?? null });
  }
  const y = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const state = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  const known = xs !== null || hidden !== null || dirs !== null;
  return [tensor(dtype, known ? y : null), tensor(dtype, known ? state : null), tensor(dtype, known ? state : null)];
}

const COMMON = ["activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size"];

/** RNN, GRU and LSTM definitions. */
export const RNN_OPS: readonly OpDef[] = [
  defineOp({ type: "RNN", domain: "", since: 1, attrs: [...COMMON, "output_sequence"], infer: (c) => inferRnn(c, 1, false) }),
  defineOp({ type: "RNN", domain: "", since: 7, attrs: COMMON, infer: (c) => inferRnn(c, 1, false) }),
  defineOp({ type: "RNN", domain: "", since: 14, attrs: [...COMMON, "layout"], infer: (c) => inferRnn(c, 1, true) }),
  defineOp({ type: "GRU", domain: "", since: 1, attrs: [...COMMON, "linear_before_reset", "output_sequence"], infer: (c) => inferRnn(c, 3, false) }),
  defineOp({ type: "GRU", domain: "", since: 7, attrs: [...COMMON, "linear_before_reset"], infer: (c) => inferRnn(c, 3, false) }),
  defineOp({ type: "GRU", domain: "", since: 14, attrs: [...COMMON, "linear_before_reset", "layout"], infer: (c) => inferRnn(c, 3, true) }),
  defineOp({ type: "LSTM", domain: "", since: 1, attrs: [...COMMON, "input_forget", "output_sequence"], infer: (c) => inferRnn(c, 4, false) }),
  defineOp({ type: "LSTM", domain: "", since: 7, attrs: [...COMMON, "input_forget"], infer: (c) => inferRnn(c, 4, false) }),
  defineOp({ type: "LSTM", domain: "", since: 14, attrs: [...COMMON, "input_forget", "layout"], infer: (c) => inferRnn(c, 4, true) }),
];
