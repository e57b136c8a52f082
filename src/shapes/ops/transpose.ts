/** Transpose: `perm` attribute, default reversing the axes (onnx/defs/tensor/defs.cc). */
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { result, stridesOf, trackedScalars } from "./tensor-util.js";
import type { Scalar } from "./values.js";

function transposeInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  const permAttr = ctx.ints("perm");
  if (shape === null) return [tensor(dtype, permAttr ? permAttr.map(() => null) : null)];
  const r = shape.length;
  const perm = permAttr ? [...permAttr] : Array.from({ length: r }, (_, i) => r - 1 - i);
  const norm = perm.map((p) => (p < 0 ? p + r : p));
  if (norm.length !== r || new Set(norm).size !== r || norm.some((p) => p < 0 || p >= r)) {
    ctx.contradiction("BAD_PERMUTATION", `Transpose perm [${perm.join(", ")}] is not a permutation of ${r} axes`, { perm, rank: r });
    return [tensor(dtype, null)];
  }
  const out: ShapeDim[] = norm.map((p) => shape[p] ?? null);
  const tr = trackedScalars(x);
  let scalars: Scalar[] | null = null;
  if (tr) {
    const inStrides = stridesOf(tr.shape);
    const outShape = norm.map((p) => tr.shape[p]!);
    const outStrides = stridesOf(outShape);
    const total = tr.scalars.length;
    scalars = [];
    for (let flat = 0; flat < total; flat++) {
      let rem = flat;
      let off = 0;
      for (let k = 0; k < r; k++) {
        const idx = Math.floor(rem / outStrides[k]!);
        rem -= idx * outStrides[k]!;
        off += idx * inStrides[norm[k]!]!;
      }
      scalars.push(tr.scalars[off] ?? null);
    }
  }
  return [result(dtype, out, scalars)];
}

/** Transpose definition. */
export const TRANSPOSE_OPS: readonly OpDef[] = [defineOp({ type: "Transpose", domain: "", since: 1, attrs: ["perm"], infer: transposeInfer })];
