/**
 * Constant: one of `value` (a tensor), `value_float(s)`, `value_int(s)`, `value_string(s)`
 * (opset 12+) or `sparse_value` (11+). The decoded elements of small tensors become the output's
 * value, including int64 sentinels beyond 2^53 (`INT64_MAX` as a Slice end), which are kept as
 * the nearest double: they are only ever compared or clamped, and any arithmetic on them that
 * leaves the exact range yields an unknown element.
 */
import type { DType } from "../../ir/dtype.js";
import type { Shape } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { result } from "./tensor-util.js";

function constantInfer(ctx: InferContext): InferResult {
  const value = ctx.attr("value") ?? ctx.attr("sparse_value");
  if (value?.type === "tensor") {
    const t = value.value;
    return [result(t.dtype, t.dims, t.values ?? null)];
  }
  const scalarOrList = (dtype: DType, v: number | readonly number[] | null, n: number | null): InferResult => {
    const shape: Shape = n === null ? [] : [n];
    if (v === null) return [tensor(dtype, shape)];
    return [result(dtype, shape, typeof v === "number" ? [v] : v)];
  };
  const a = (name: string) => ctx.attr(name);
  const vf = a("value_float");
  if (vf?.type === "float") return scalarOrList("float32", Math.fround(vf.value), null);
  const vfs = a("value_floats");
  if (vfs?.type === "floats") return scalarOrList("float32", vfs.value.map(Math.fround), vfs.value.length);
  const vi = a("value_int");
  if (vi?.type === "int") return scalarOrList("int64", vi.value, null);
  const vis = a("value_ints");
  if (vis?.type === "ints") return scalarOrList("int64", vis.value, vis.value.length);
  const vs = a("value_string");
  if (vs?.type === "string") return scalarOrList("string", null, null);
  const vss = a("value_strings");
  if (vss?.type === "strings") return scalarOrList("string", null, vss.value.length);
  return null;
}

/** Constant definition. */
export const CONSTANT_OPS: readonly OpDef[] = [
  defineOp({
    type: "Constant",
    domain: "",
    since: 1,
    attrs: ["value", "sparse_value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings"],
    infer: constantInfer,
  }),
];
