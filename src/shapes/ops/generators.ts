/**
 * Ops that generate tensors from attributes or scalar operands, and the signal ops: the random
 * generators (RandomUniform/Normal with a `shape` attribute, the `*Like` forms and Bernoulli
 * with their input's shape), the window functions (HannWindow, HammingWindow, BlackmanWindow:
 * `[size]`), MelWeightMatrix (`[floor(dft_length/2) + 1, num_mel_bins]`) and DFT (opset 17/20:
 * the transformed axis becomes `dft_length`, or `floor(n/2) + 1` when onesided; the last axis 2).
 */
import { add, floorDiv } from "../../ir/dim.js";
import { type DType, dtypeFromOnnx } from "../../ir/dtype.js";
import { type InferContext, type InferResult, type OpDef, defineOp, defineOps } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { normAxis } from "./tensor-util.js";
import { attempt, dimOfScalar, scalarsOf } from "./values.js";

function dtypeAttr(ctx: InferContext, name: string, fallback: DType | null): DType | null {
  const code = ctx.int(name);
  return code === undefined ? fallback : dtypeFromOnnx(code);
}

/** A scalar operand as a dim (a float holding an integer counts). */
function scalarDim(ctx: InferContext, i: number) {
  const s = scalarsOf(ctx.input(i))?.[0] ?? null;
  return typeof s === "number" ? (Number.isInteger(s) ? s : null) : dimOfScalar(s);
}

function likeInfer(ctx: InferContext): InferResult {
  return [tensor(dtypeAttr(ctx, "dtype", ctx.input(0)?.dtype ?? null), ctx.input(0)?.shape ?? null)];
}

function dftInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  if (shape === null || shape.length < 2) return [tensor(dtype, null)];
  // Opset 17: axis attribute (default 1); opset 20: axis input (default -2). It counts over all
  // dims and may not be the last (the real/imaginary) axis.
  let axisRaw: number | null = ctx.int("axis", 1);
  if (ctx.opset >= 20) {
    const a = ctx.hasInput(2) ? (scalarsOf(ctx.input(2))?.[0] ?? null) : -2;
    axisRaw = typeof a === "number" ? a : null;
  }
  const axis = axisRaw === null ? null : normAxis(axisRaw, shape.length);
  const last = shape.length - 1;
  if (axisRaw === null) return [tensor(dtype, shape.map((_, k) => (k === last ? 2 : null)))];
  if (axis === null || axis === last) return [tensor(dtype, null)];
  const n = ctx.hasInput(1) ? scalarDim(ctx, 1) : (shape[axis] ?? null);
  const onesided = ctx.int("onesided", 0) === 1 && ctx.int("inverse", 0) === 0;
  const len = n === null ? null : onesided ? attempt(() => add(floorDiv(n, 2), 1)) : n;
  const out = shape.map((d, k) => (k === axis ? len : k === shape.length - 1 ? 2 : d));
  return [tensor(dtype, out)];
}

function melInfer(ctx: InferContext): InferResult {
  const bins = scalarDim(ctx, 0);
  const dft = scalarDim(ctx, 1);
  const rows = dft === null ? null : attempt(() => add(floorDiv(dft, 2), 1));
  return [tensor(dtypeAttr(ctx, "output_datatype", "float32"), [rows, bins])];
}

/** Random, window, MelWeightMatrix and DFT definitions. */
export const GENERATOR_OPS: readonly OpDef[] = [
  ...defineOps(["RandomUniform", "RandomNormal"], {
    domain: "",
    since: 1,
    attrs: ["dtype", "high", "low", "mean", "scale", "seed", "shape"],
    infer: (ctx) => {
      const s = ctx.ints("shape");
      return [tensor(dtypeAttr(ctx, "dtype", "float32"), s ? [...s] : null)];
    },
  }),
  ...defineOps(["RandomUniformLike", "RandomNormalLike"], { domain: "", since: 1, attrs: ["dtype", "high", "low", "mean", "scale", "seed"], infer: likeInfer }),
  defineOp({ type: "Bernoulli", domain: "", since: 15, attrs: ["dtype", "seed"], infer: likeInfer }),
  ...defineOps(["HannWindow", "HammingWindow", "BlackmanWindow"], {
    domain: "",
    since: 17,
    attrs: ["output_datatype", "periodic"],
    infer: (ctx) => [tensor(dtypeAttr(ctx, "output_datatype", "float32"), [scalarDim(ctx, 0)])],
  }),
  defineOp({ type: "MelWeightMatrix", domain: "", since: 17, attrs: ["output_datatype"], infer: melInfer }),
  defineOp({ type: "DFT", domain: "", since: 17, attrs: ["axis", "inverse", "onesided"], infer: dftInfer }),
  defineOp({ type: "DFT", domain: "", since: 20, attrs: ["inverse", "onesided"], infer: dftInfer }),
];
