/**
 * DepthToSpace (1, 11 `mode`, 13) and SpaceToDepth (1, 13) on `(N, C, H, W)` with block size `b`:
 * - DepthToSpace: `(N, C/(b*b), H*b, W*b)`; C must be a multiple of `b*b`.
 * - SpaceToDepth: `(N, C*b*b, H/b, W/b)`; H and W must be multiples of `b`.
 * (ONNX docs; onnxruntime rejects the non-multiples at run time.) A concrete non-multiple is a
 * `BLOCKSIZE_MISMATCH` contradiction; symbolic ones divide with floor and are left to the rules.
 */
import { type Dim, floorDiv, isConst, mul } from "../../ir/dim.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";

function divided(ctx: InferContext, d: Dim | null, by: number, what: string): Dim | null {
  if (d === null) return null;
  if (isConst(d) && d % by !== 0) {
    ctx.contradiction("BLOCKSIZE_MISMATCH", `${ctx.node.opType} ${what} ${d} is not a multiple of ${by}`, { what, dim: d, divisor: by });
    return null;
  }
  return floorDiv(d, by);
}

function infer(ctx: InferContext, toSpace: boolean, modes: readonly string[] | null): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const dtype = x?.dtype ?? null;
  const b = ctx.int("blocksize");
  if (modes) {
    const mode = ctx.string("mode", "DCR");
    if (!modes.includes(mode)) ctx.contradiction("BAD_ATTRIBUTE", `mode of ${op} must be ${modes.join(" or ")}; got '${mode}'`, { attribute: "mode", value: mode });
  }
  if (b === undefined) ctx.contradiction("MISSING_ATTRIBUTE", `${op} requires attribute blocksize`, { attribute: "blocksize" });
  else if (!Number.isInteger(b) || b < 1) ctx.contradiction("BAD_ATTRIBUTE", `blocksize of ${op} must be a positive integer; got ${b}`, { attribute: "blocksize", value: b });
  if (xs === null) return [tensor(dtype, null)];
  if (xs.length !== 4) {
    ctx.contradiction("RANK_MISMATCH", `${op} input must be 4-D (N, C, H, W); got rank ${xs.length}`, { expected: 4, actual: xs.length });
    return [tensor(dtype, null)];
  }
  if (b === undefined || !Number.isInteger(b) || b < 1) return [tensor(dtype, [xs[0] ?? null, null, null, null])];
  const [n, c, h, w] = [xs[0] ?? null, xs[1] ?? null, xs[2] ?? null, xs[3] ?? null];
  if (toSpace) return [tensor(dtype, [n, divided(ctx, c, b * b, "channel count"), h === null ? null : mul(h, b), w === null ? null : mul(w, b)])];
  return [tensor(dtype, [n, c === null ? null : mul(c, b * b), divided(ctx, h, b, "height"), divided(ctx, w, b, "width")])];
}

/** DepthToSpace and SpaceToDepth definitions. */
export const SPACE_DEPTH_OPS: readonly OpDef[] = [
  defineOp({ type: "DepthToSpace", domain: "", since: 1, attrs: ["blocksize"], infer: (c) => infer(c, true, null) }),
  // DepthToSpace-11 added mode (DCR default, CRD); the shape is the same in both.
  defineOp({ type: "DepthToSpace", domain: "", since: 11, attrs: ["blocksize", "mode"], infer: (c) => infer(c, true, ["DCR", "CRD"]) }),
  defineOp({ type: "SpaceToDepth", domain: "", since: 1, attrs: ["blocksize"], infer: (c) => infer(c, false, null) }),
];
