/**
 * GridSample (16: 4-D; 20+: N-D) and AffineGrid (20).
 * - GridSample: X `(N, C, D1..Dr)`, grid `(N, D1_out..Dr_out, r)` -> `(N, C, D1_out..Dr_out)`
 *   (ONNX doc; inference `unifyInputDim` on the grid's dims).
 * - AffineGrid: theta `(N, 2, 3)` or `(N, 3, 4)`, size `(N, C, H, W)` / `(N, C, D, H, W)` (a shape
 *   tensor, possibly computed) -> grid `(N, H, W, 2)` / `(N, D, H, W, 3)`.
 */
import { isConst } from "../../ir/dim.js";
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { provablyDifferent, shapeOf } from "./nn-util.js";

function inferGridSample(ctx: InferContext, anyRank: boolean): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const gs = shapeOf(ctx, 1);
  const dtype = x?.dtype ?? null;
  const rank = xs?.length ?? gs?.length ?? null;
  if (rank === null) return [tensor(dtype, null)];
  if (rank < 3 || (!anyRank && rank !== 4)) {
    ctx.contradiction("RANK_MISMATCH", `${op} input must be ${anyRank ? "at least 3-D" : "4-D (N, C, H, W)"}; got rank ${rank}`, { expected: anyRank ? ">= 3" : 4, actual: rank });
    return [tensor(dtype, null)];
  }
  const r = rank - 2;
  if (gs && gs.length !== rank) {
    ctx.contradiction("RANK_MISMATCH", `${op} grid must have rank ${rank} (N, spatial..., ${r}); got rank ${gs.length}`, { expected: rank, actual: gs.length });
    return [tensor(dtype, [xs?.[0] ?? null, xs?.[1] ?? null, ...new Array<ShapeDim>(r).fill(null)])];
  }
  if (gs && provablyDifferent(gs[rank - 1], r)) {
    ctx.contradiction("BAD_INPUT", `${op} grid's last dim is ${String(gs[rank - 1])}; expected ${r} (one coordinate per spatial axis)`, { input: "grid", expected: r, actual: gs[rank - 1] ?? null });
  }
  if (xs && gs && provablyDifferent(xs[0], gs[0])) {
    ctx.contradiction("BAD_INPUT", `${op} input batch ${String(xs[0])} differs from the grid's ${String(gs[0])}`, { input: "grid", expected: xs[0] ?? null, actual: gs[0] ?? null });
  }
  const spatial = gs ? gs.slice(1, rank - 1) : new Array<ShapeDim>(r).fill(null);
  return [tensor(dtype, [xs?.[0] ?? gs?.[0] ?? null, xs?.[1] ?? null, ...spatial])];
}

function inferAffineGrid(ctx: InferContext): InferResult {
  const op = ctx.node.opType;
  const theta = ctx.input(0);
  const ts = theta?.shape ?? null;
  const dtype = theta?.dtype ?? null;
  const size = ctx.input(1);
  const n = size?.value?.length ?? (size?.shape?.length === 1 && isConst(size.shape[0]) ? size.shape[0] : null);
  if (n === null) return [tensor(dtype, null)];
  if (n !== 4 && n !== 5) {
    ctx.contradiction("BAD_INPUT", `${op} size must have 4 (N, C, H, W) or 5 (N, C, D, H, W) entries; got ${n}`, { input: "size", expected: "4 or 5", actual: n });
    return [tensor(dtype, null)];
  }
  const r = n - 2;
  if (ts && (ts.length !== 3 || provablyDifferent(ts[1], r) || provablyDifferent(ts[2], r + 1))) {
    ctx.contradiction("BAD_INPUT", `${op} theta must be (N, ${r}, ${r + 1}) for ${r}-D sizes; got [${ts.map(String).join(", ")}]`, { input: "theta", expected: [null, r, r + 1], actual: ts });
  }
  const v = size?.value;
  const spatial: ShapeDim[] = v ? v.slice(2).map((d) => d ?? null) : new Array<ShapeDim>(r).fill(null);
  return [tensor(dtype, [v?.[0] ?? ts?.[0] ?? null, ...spatial, r])];
}

/** GridSample and AffineGrid definitions. */
export const SAMPLING_OPS: readonly OpDef[] = [
  defineOp({ type: "GridSample", domain: "", since: 16, attrs: ["align_corners", "mode", "padding_mode"], infer: (c) => inferGridSample(c, false) }),
  defineOp({ type: "GridSample", domain: "", since: 20, attrs: ["align_corners", "mode", "padding_mode"], infer: (c) => inferGridSample(c, true) }),
  defineOp({ type: "AffineGrid", domain: "", since: 20, attrs: ["align_corners"], infer: inferAffineGrid }),
];
