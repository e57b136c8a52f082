/**
 * Quantization ops, all elementwise in shape: QuantizeLinear (output type of `y_zero_point`,
 * uint8 without it; `output_dtype` from opset 21), DequantizeLinear (float32 before opset 19,
 * the scale's type from 19; `output_dtype` from 23) and DynamicQuantizeLinear (uint8 output plus
 * scalar scale and zero point).
 */
import { dtypeFromOnnx } from "../../ir/dtype.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";

function quantizeInfer(ctx: InferContext): InferResult {
  const code = ctx.int("output_dtype", 0);
  const dtype = code !== 0 ? dtypeFromOnnx(code) : ctx.hasInput(2) ? (ctx.input(2)?.dtype ?? null) : "uint8";
  return [tensor(dtype, ctx.input(0)?.shape ?? null)];
}

function dequantizeInfer(ctx: InferContext): InferResult {
  const code = ctx.int("output_dtype", 0);
  const dtype = code !== 0 ? dtypeFromOnnx(code) : ctx.opset >= 19 ? (ctx.input(1)?.dtype ?? null) : "float32";
  return [tensor(dtype, ctx.input(0)?.shape ?? null)];
}

/** QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear definitions. */
export const QUANTIZE_OPS: readonly OpDef[] = [
  defineOp({ type: "QuantizeLinear", domain: "", since: 10, attrs: ["axis", "saturate", "block_size", "output_dtype", "precision"], infer: quantizeInfer }),
  defineOp({ type: "DequantizeLinear", domain: "", since: 10, attrs: ["axis", "block_size", "output_dtype"], infer: dequantizeInfer }),
  defineOp({
    type: "DynamicQuantizeLinear",
    domain: "",
    since: 11,
    attrs: [],
    infer: (ctx) => [tensor("uint8", ctx.input(0)?.shape ?? null), tensor("float32", []), tensor("uint8", [])],
  }),
];
