/**
 * Reshape and Flatten. Reshape's target comes from the `shape` attribute (opset 1-4) or the
 * `shape` input (5+), usually a value computed from `Shape` (`x.view(x.size(0), -1)`): `0`
 * copies the input dim at that index (unless `allowzero = 1`, opset 14+), `-1` is inferred.
 *
 * `-1` is inferred symbolically by cancelling factors: symbolic factors of the target cancel
 * against equal (or constant-multiple) factors of the input, and what is left must be constants
 * and at most one symbolic factor. So `[N, 3, H, 4] -> [N, -1]` gives `12*H`, while
 * `[N, 3, H, W] -> [N, -1]` would be `3*H*W`, not linear, hence unknown.
 *
 * A symbolic target element (a size computed from `Shape`) is taken as that size: exporters never
 * compute the special values 0 and -1, which always appear as constants.
 */
import { type Dim, dimEquals, floorDiv, isConst, mul } from "../../ir/dim.js";
import type { Shape, ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { fmtShape, inputLength, inputValues, normAxis, productDims, result, trackedScalars } from "./tensor-util.js";
import { attempt } from "./values.js";

/** `s / t` when it is a positive integer constant (structurally), else `null`. */
function ratio(s: Dim, t: Dim): number | null {
  if (isConst(s) || isConst(t)) return null;
  const a = s.terms[0]!.coef;
  const b = t.terms[0]!.coef;
  if (a % b !== 0) return null;
  const r = a / b;
  if (r < 1) return null;
  const scaled = attempt(() => mul(t, r));
  return scaled !== null && dimEquals(scaled, s) ? r : null;
}

/**
 * Cancel the factors of `num` against `den`: the leftover constants and symbolic factors
 * (`null` when some factor is unknown or a symbolic denominator factor does not cancel).
 */
function cancel(num: readonly Dim[], den: readonly Dim[]): { k: number; d: number; syms: Dim[] } | null {
  let k = 1;
  let d = 1;
  const syms: Dim[] = [];
  for (const f of num) {
    if (isConst(f)) k *= f;
    else syms.push(f);
  }
  for (const f of den) {
    if (isConst(f)) {
      d *= f;
      continue;
    }
    // A numerator factor `r*f` leaves `r` on top; one of which `f` is `r` times leaves `r` below.
    const j = syms.findIndex((s) => ratio(s, f) !== null);
    if (j >= 0) {
      k *= ratio(syms[j]!, f)!;
      syms.splice(j, 1);
      continue;
    }
    const i = syms.findIndex((s) => ratio(f, s) !== null);
    if (i < 0) return null;
    d *= ratio(f, syms[i]!)!;
    syms.splice(i, 1);
  }
  if (!Number.isSafeInteger(k) || !Number.isSafeInteger(d)) return null;
  return { k, d, syms };
}

/** The target of Reshape as dims (`null` = unknown element), or only its length. */
function targetOf(ctx: InferContext): { dims: (Dim | null)[] | null; rank: number | null } {
  if (ctx.opset < 5) {
    const s = ctx.ints("shape");
    return { dims: s ? [...s] : null, rank: s ? s.length : null };
  }
  const v = inputValues(ctx, 1);
  if (v !== null) return { dims: v, rank: v.length };
  return { dims: null, rank: inputLength(ctx, 1) };
}

function reshapeInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const inShape = x?.shape ?? null;
  const { dims, rank } = targetOf(ctx);
  if (dims === null) return [tensor(dtype, rank === null ? null : new Array<ShapeDim>(rank).fill(null))];
  const allowZero = ctx.int("allowzero", 0) === 1;
  const out: ShapeDim[] = [];
  let inferAt = -1;
  for (let i = 0; i < dims.length; i++) {
    const v = dims[i] ?? null;
    if (v === null) out.push(null);
    else if (v === 0 && !allowZero) out.push(inShape !== null && i < inShape.length ? (inShape[i] ?? null) : null);
    else if (v === -1) {
      if (inferAt >= 0) return [tensor(dtype, dims.map(() => null))];
      inferAt = i;
      out.push(null);
    } else if (isConst(v) && v < 0) return [tensor(dtype, dims.map(() => null))];
    else out.push(v);
  }
  const inKnown = inShape !== null && inShape.every((d) => d !== null) ? (inShape as Dim[]) : null;
  const others = out.filter((_, i) => i !== inferAt);
  const othersKnown = others.every((d) => d !== null) ? (others as Dim[]) : null;
  if (inKnown !== null && othersKnown !== null) {
    const c = cancel(inKnown, othersKnown);
    if (inferAt >= 0) {
      if (c !== null && c.syms.length <= 1) {
        if (c.syms.length === 0 && (c.d === 0 || c.k % c.d !== 0)) mismatch(ctx, inShape!, out, true);
        else if (c.d !== 0) out[inferAt] = c.syms.length === 0 ? c.k / c.d : attempt(() => floorDiv(mul(c.syms[0]!, c.k), c.d));
      }
    } else if (c !== null && c.syms.length === 0 && c.k !== c.d) mismatch(ctx, inShape!, out, false);
  }
  const tr = trackedScalars(x);
  return [result(dtype, out, tr ? tr.scalars : null)];
}

function mismatch(ctx: InferContext, from: Shape, to: readonly ShapeDim[], inferring: boolean): void {
  ctx.contradiction(
    "RESHAPE_MISMATCH",
    inferring ? `Reshape cannot infer -1: ${fmtShape(from)} does not divide into ${fmtShape(to)}` : `Reshape changes the element count: ${fmtShape(from)} -> ${fmtShape(to)}`,
    { input: [...from], target: [...to] },
  );
}

function flattenInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  if (shape === null) return [tensor(dtype, [null, null])];
  const r = shape.length;
  const a = ctx.int("axis", 1);
  // axis in [-r, r]; axis == r gives [total, 1].
  const axis = a === r ? r : normAxis(a, r);
  if (axis === null) return [tensor(dtype, [null, null])];
  const out: ShapeDim[] = [productDims(shape.slice(0, axis)), productDims(shape.slice(axis))];
  const tr = trackedScalars(x);
  return [result(dtype, out, tr ? tr.scalars : null)];
}

/** Reshape and Flatten definitions. */
export const RESHAPE_OPS: readonly OpDef[] = [
  defineOp({ type: "Reshape", domain: "", since: 1, attrs: ["shape", "consumed_inputs"], infer: reshapeInfer }),
  defineOp({ type: "Reshape", domain: "", since: 5, attrs: ["allowzero"], infer: reshapeInfer }),
  defineOp({ type: "Flatten", domain: "", since: 1, attrs: ["axis"], infer: flattenInfer }),
];
