/**
 * The op registry: one adapter per ONNX op type that reads the node's attributes (with the
 * defaults and opset differences of the ONNX spec) and calls the kernel functions.
 *
 * An attribute the adapter does not model is rejected with UNSUPPORTED_FEATURE rather than
 * ignored (DESIGN.md: "an attribute that is not modelled is reported, never dropped silently").
 */
import type { Attr, TensorConst } from "../ir/graph.js";
import { dtypeFromOnnx } from "../ir/dtype.js";
import { conv, convDirect, convTranspose, convTransposeDirect, type ConvTransposeAttrs } from "./conv.js";
import {
  binary,
  erf,
  floatArith,
  gelu,
  roundHalfEven,
  sigmoid,
  softplus,
  unary,
  variadic,
  where,
} from "./elementwise.js";
import { KernelError, badAttr, shapeFail, unsupported } from "./errors.js";
import { gemmOp, matmul } from "./matmul.js";
import { batchNorm, instanceNorm, layerNorm, lrn, meanVarianceNorm } from "./norm.js";
import { pad, type PadMode } from "./pad.js";
import { averagePool, globalPool, lpPool, maxPool, maxUnpool, type PoolAttrs } from "./pool.js";
import { argExtreme, reduce, softmaxFamily, type ReduceKind } from "./reduce.js";
import { RESIZE_DEFAULTS, checkResizeSupported, resizeOutput, resizeTo, type AspectPolicy, type CoordMode, type NearestMode, type ResizeAttrs } from "./resize.js";
import {
  concat,
  cumsum,
  depthToSpace,
  evenSplit,
  expand,
  flatten,
  gather,
  gatherElements,
  nonZero,
  normAxis,
  range,
  reshape,
  slice,
  spaceToDepth,
  split,
  squeeze,
  tile,
  transpose,
  trilu,
  unsqueeze,
} from "./shape-ops.js";
import { allocData, isFloatDType, isIntDType, isKernelDType, sizeOf, tensorFrom, type FloatTensor, type KernelDType, type Tensor } from "./tensor.js";
import type { AutoPad } from "./window.js";

/** What an adapter sees of a node. */
export interface OpNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly attrs: ReadonlyMap<string, Attr>;
  /** Output names; `""` marks an output that is not requested. */
  readonly outputs: readonly string[];
}

/** Per-run services for adapters. */
export interface OpContext {
  /** ai.onnx opset of the model. */
  readonly opset: number;
  /** Decode a constant tensor (Constant `value`, ConstantOfShape `value`). */
  readonly readConst: (t: TensorConst) => Tensor;
}

/** An op adapter: inputs in node order (`null` for omitted optional inputs). */
export type OpKernel = (inputs: readonly (Tensor | null)[], node: OpNode, ctx: OpContext) => (Tensor | null)[];

// ---------------------------------------------------------------------------------------------
// Attribute and input access.

function attr(node: OpNode, name: string): Attr | undefined {
  return node.attrs.get(name);
}

function aInt(node: OpNode, name: string, def: number): number {
  const a = attr(node, name);
  if (a === undefined) return def;
  if (a.type !== "int") badAttr(`attribute ${name} must be an int, got ${a.type}`);
  return a.value;
}

function aInts(node: OpNode, name: string): number[] | undefined {
  const a = attr(node, name);
  if (a === undefined) return undefined;
  if (a.type !== "ints") badAttr(`attribute ${name} must be ints, got ${a.type}`);
  return [...a.value];
}

function aFloat(node: OpNode, name: string, def: number): number {
  const a = attr(node, name);
  if (a === undefined) return def;
  if (a.type === "int") return a.value;
  if (a.type !== "float") badAttr(`attribute ${name} must be a float, got ${a.type}`);
  return a.value;
}

function aFloats(node: OpNode, name: string): number[] | undefined {
  const a = attr(node, name);
  if (a === undefined) return undefined;
  if (a.type !== "floats") badAttr(`attribute ${name} must be floats, got ${a.type}`);
  return [...a.value];
}

function aStr(node: OpNode, name: string, def: string): string {
  const a = attr(node, name);
  if (a === undefined) return def;
  if (a.type !== "string") badAttr(`attribute ${name} must be a string, got ${a.type}`);
  return a.value;
}

function req(inputs: readonly (Tensor | null)[], i: number, what: string): Tensor {
  const t = inputs[i];
  if (t === null || t === undefined) throw new KernelError("BAD_GRAPH", `required input ${i} (${what}) is missing`);
  return t;
}

function opt(inputs: readonly (Tensor | null)[], i: number): Tensor | null {
  return inputs[i] ?? null;
}

/** Elements of a (small) tensor as numbers. */
function nums(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number>);
}

function dtypeAttr(code: number, what: string): KernelDType {
  const d = dtypeFromOnnx(code);
  if (!isKernelDType(d)) unsupported(`${what}: element type ${d ?? code} is not supported by the kernel`);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Adapters.

function windowAttrs(node: OpNode): { autoPad: AutoPad; pads: number[] | undefined; strides: number[] | undefined; dilations: number[] | undefined } {
  const autoPad = aStr(node, "auto_pad", "NOTSET") as AutoPad;
  return { autoPad, pads: aInts(node, "pads"), strides: aInts(node, "strides"), dilations: aInts(node, "dilations") };
}

function convAttrs(node: OpNode): ConvTransposeAttrs {
  return {
    ...windowAttrs(node),
    group: aInt(node, "group", 1),
    kernelShape: aInts(node, "kernel_shape"),
    outputPadding: aInts(node, "output_padding"),
    outputShape: aInts(node, "output_shape"),
  };
}

const convOp: OpKernel = (inputs, node) => {
  const x = req(inputs, 0, "X");
  const w = req(inputs, 1, "W");
  const b = opt(inputs, 2);
  const at = convAttrs(node);
  if (x.dtype === "float32" && w.dtype === "float32" && (b === null || b.dtype === "float32")) {
    return [conv(x as FloatTensor, w as FloatTensor, b as FloatTensor | null, at)];
  }
  if (!isFloatDType(x.dtype)) unsupported(`Conv on ${x.dtype}`);
  const r = convDirect(x.dims, x.data as ArrayLike<number>, w.dims, w.data as ArrayLike<number>, b === null ? null : (b.data as ArrayLike<number>), at);
  return [tensorFrom(x.dtype, r.dims, r.data)];
};

const convTransposeOp: OpKernel = (inputs, node) => {
  const x = req(inputs, 0, "X");
  const w = req(inputs, 1, "W");
  const b = opt(inputs, 2);
  const at = convAttrs(node);
  if (x.dtype === "float32" && w.dtype === "float32" && (b === null || b.dtype === "float32")) {
    return [convTranspose(x as FloatTensor, w as FloatTensor, b as FloatTensor | null, at)];
  }
  if (!isFloatDType(x.dtype)) unsupported(`ConvTranspose on ${x.dtype}`);
  const r = convTransposeDirect(x.dims, x.data as ArrayLike<number>, w.dims, w.data as ArrayLike<number>, b === null ? null : (b.data as ArrayLike<number>), at);
  return [tensorFrom(x.dtype, r.dims, r.data)];
};

const convIntegerOp: OpKernel = (inputs, node) => {
  const x = req(inputs, 0, "x");
  const w = req(inputs, 1, "w");
  const xz = opt(inputs, 2);
  const wz = opt(inputs, 3);
  const r = convDirect(x.dims, x.data as ArrayLike<number>, w.dims, w.data as ArrayLike<number>, null, convAttrs(node), xz === null ? 0 : (xz.data[0] as number), wz === null ? 0 : (wz.data as ArrayLike<number>));
  return [tensorFrom("int32", r.dims, r.data)];
};

/** Saturate to the range of an 8-bit type after rounding half to even (QuantizeLinear rule). */
function saturate(dtype: KernelDType, v: number): number {
  const r = roundHalfEven(v);
  if (dtype === "uint8") return Math.min(255, Math.max(0, r));
  if (dtype === "int8") return Math.min(127, Math.max(-128, r));
  return r;
}

const qlinearConvOp: OpKernel = (inputs, node) => {
  const x = req(inputs, 0, "x");
  const xs = req(inputs, 1, "x_scale").data[0] as number;
  const xz = req(inputs, 2, "x_zero_point").data[0] as number;
  const w = req(inputs, 3, "w");
  const ws = req(inputs, 4, "w_scale");
  const wz = req(inputs, 5, "w_zero_point");
  const ys = req(inputs, 6, "y_scale").data[0] as number;
  const yz = req(inputs, 7, "y_zero_point");
  const b = opt(inputs, 8);
  const r = convDirect(x.dims, x.data as ArrayLike<number>, w.dims, w.data as ArrayLike<number>, b === null ? null : (b.data as ArrayLike<number>), convAttrs(node), xz, wz.data as ArrayLike<number>);
  const M = r.dims[1] as number;
  const sp = sizeOf(r.dims.slice(2));
  const out = allocData(yz.dtype, r.data.length);
  const zp = yz.data[0] as number;
  for (let i = 0; i < r.data.length; i++) {
    const m = Math.floor(i / sp) % M;
    const wsc = ws.data[ws.data.length === 1 ? 0 : m] as number;
    // Multiplier and accumulator in float32 as ORT does, then round half to even.
    const mult = Math.fround(Math.fround(xs * wsc) / ys);
    out[i] = saturate(yz.dtype, Math.fround(mult * (r.data[i] as number)) + zp);
  }
  return [{ dtype: yz.dtype, dims: r.dims, data: out }];
};

function poolAttrs(node: OpNode): PoolAttrs {
  const ks = aInts(node, "kernel_shape");
  if (ks === undefined) badAttr("kernel_shape is required");
  return {
    ...windowAttrs(node),
    kernelShape: ks,
    ceilMode: aInt(node, "ceil_mode", 0) === 1,
    countIncludePad: aInt(node, "count_include_pad", 0) === 1,
    storageOrder: aInt(node, "storage_order", 0),
    p: aInt(node, "p", 2),
  };
}

const maxPoolOp: OpKernel = (inputs, node) => {
  const want = node.outputs.length > 1 && node.outputs[1] !== "";
  const r = maxPool(req(inputs, 0, "X"), poolAttrs(node), want);
  return [r.y, r.indices];
};

/** Resize/Upsample attribute set for this node and opset. */
function resizeAttrs(node: OpNode, ctx: OpContext): ResizeAttrs {
  const legacy = node.opType === "Upsample" || ctx.opset < 11;
  let mode = aStr(node, "mode", "nearest");
  if (mode === "bilinear" || mode === "trilinear") mode = "linear";
  if (mode !== "nearest" && mode !== "linear" && mode !== "cubic") badAttr(`unknown mode "${mode}"`);
  if (legacy) return { ...RESIZE_DEFAULTS, mode, coordMode: "asymmetric", nearestMode: "simple" };
  checkResizeSupported(aInt(node, "antialias", 0));
  return {
    mode,
    coordMode: aStr(node, "coordinate_transformation_mode", "half_pixel") as CoordMode,
    nearestMode: aStr(node, "nearest_mode", "round_prefer_floor") as NearestMode,
    cubicA: aFloat(node, "cubic_coeff_a", -0.75),
    excludeOutside: aInt(node, "exclude_outside", 0) === 1,
    extrapolationValue: aFloat(node, "extrapolation_value", 0),
  };
}

const resizeOp: OpKernel = (inputs, node, ctx) => {
  const x = req(inputs, 0, "X");
  const at = resizeAttrs(node, ctx);
  let roi: number[] | null = null;
  let scales: number[] | null = null;
  let sizes: number[] | null = null;
  if (node.opType === "Upsample") {
    scales = ctx.opset >= 9 ? nums(req(inputs, 1, "scales")) : (aFloats(node, "scales") ?? null);
  } else if (ctx.opset < 11) {
    scales = nums(req(inputs, 1, "scales"));
  } else {
    const r = opt(inputs, 1);
    const s = opt(inputs, 2);
    const z = opt(inputs, 3);
    roi = r !== null && r.data.length > 0 ? nums(r) : null;
    scales = s !== null && s.data.length > 0 ? nums(s) : null;
    sizes = z !== null && z.data.length > 0 ? nums(z) : null;
  }
  const axes = aInts(node, "axes") ?? null;
  const policy = aStr(node, "keep_aspect_ratio_policy", "stretch") as AspectPolicy;
  if (roi !== null && axes !== null) {
    // roi lists only the given axes: expand to all axes.
    const rank = x.dims.length;
    const full = [...new Array<number>(rank).fill(0), ...new Array<number>(rank).fill(1)];
    axes.forEach((a, i) => {
      const ax = a < 0 ? a + rank : a;
      full[ax] = roi?.[i] as number;
      full[rank + ax] = roi?.[axes.length + i] as number;
    });
    roi = full;
  }
  const { outDims, scales: sc, lengths } = resizeOutput(x.dims, scales, sizes, roi, at.coordMode, axes, policy);
  return [resizeTo(x, outDims, sc, roi, at, lengths)];
};

const padOp: OpKernel = (inputs, node, ctx) => {
  const x = req(inputs, 0, "data");
  const mode = aStr(node, "mode", "constant") as PadMode;
  let pads: number[];
  let value = 0;
  if (ctx.opset < 11) {
    pads = aInts(node, "pads") ?? aInts(node, "paddings") ?? badAttr("pads is required");
    value = aFloat(node, "value", 0);
  } else {
    pads = nums(req(inputs, 1, "pads"));
    const cv = opt(inputs, 2);
    if (cv !== null && cv.data.length > 0) value = cv.data[0] as number;
    const axesT = opt(inputs, 3);
    if (axesT !== null) {
      const r = x.dims.length;
      const axes = nums(axesT).map((a) => normAxis("Pad", a, r));
      const full = new Array<number>(2 * r).fill(0);
      axes.forEach((a, i) => {
        full[a] = pads[i] as number;
        full[r + a] = pads[axes.length + i] as number;
      });
      pads = full;
    }
  }
  return [pad(x, pads, mode, value)];
};

// Binary ops -----------------------------------------------------------------------------------

function arith(op: "Add" | "Sub" | "Mul" | "Div"): OpKernel {
  return (inputs) => {
    const a = req(inputs, 0, "A");
    const b = req(inputs, 1, "B");
    if (a.dtype !== b.dtype) shapeFail(`${op}: operands are ${a.dtype} and ${b.dtype}`, a.dims, b.dims);
    const fast = floatArith(op, a, b);
    if (fast !== null) return [fast];
    const int = isIntDType(a.dtype);
    const f =
      op === "Add"
        ? (x: number, y: number): number => x + y
        : op === "Sub"
          ? (x: number, y: number): number => x - y
          : op === "Mul"
            ? (x: number, y: number): number => x * y
            : // Integer division truncates toward zero (C semantics, as onnxruntime).
              int
              ? (x: number, y: number): number => Math.trunc(x / y)
              : (x: number, y: number): number => x / y;
    return [binary(op, a, b, a.dtype, f)];
  };
}

function compare(op: string, f: (x: number, y: number) => boolean): OpKernel {
  return (inputs) => [binary(op, req(inputs, 0, "A"), req(inputs, 1, "B"), "bool", (x, y) => (f(x, y) ? 1 : 0))];
}

const modOp: OpKernel = (inputs, node) => {
  const a = req(inputs, 0, "A");
  const b = req(inputs, 1, "B");
  const fmod = aInt(node, "fmod", 0) === 1;
  // fmod=1: sign of the dividend (C fmod, JS %); fmod=0: sign of the divisor (Python %).
  const f = fmod ? (x: number, y: number): number => x % y : (x: number, y: number): number => { const r = x % y; return r !== 0 && (r < 0) !== (y < 0) ? r + y : r; };
  return [binary("Mod", a, b, a.dtype, f)];
};

const powOp: OpKernel = (inputs) => {
  const a = req(inputs, 0, "X");
  const b = req(inputs, 1, "Y");
  return [binary("Pow", a, b, a.dtype, (x, y) => Math.pow(x, y))];
};

const bitShiftOp: OpKernel = (inputs, node) => {
  const a = req(inputs, 0, "X");
  const b = req(inputs, 1, "Y");
  const left = aStr(node, "direction", "") === "LEFT";
  return [binary("BitShift", a, b, a.dtype, (x, y) => (left ? x * Math.pow(2, y) : Math.floor(x / Math.pow(2, y))))];
};

function bitwise(op: string, f: (x: bigint, y: bigint) => bigint): OpKernel {
  return (inputs) => {
    const a = req(inputs, 0, "A");
    const b = req(inputs, 1, "B");
    return [binary(op, a, b, a.dtype, (x, y) => Number(BigInt.asIntN(64, f(BigInt(x), BigInt(y)))))];
  };
}

function logic(op: string, f: (x: boolean, y: boolean) => boolean): OpKernel {
  return (inputs) => [binary(op, req(inputs, 0, "A"), req(inputs, 1, "B"), "bool", (x, y) => (f(x !== 0, y !== 0) ? 1 : 0))];
}

const preluOp: OpKernel = (inputs) => {
  const x = req(inputs, 0, "X");
  const s = req(inputs, 1, "slope");
  return [binary("PRelu", x, s, x.dtype, (v, k) => (v < 0 ? k * v : v))];
};

// Unary ops ------------------------------------------------------------------------------------

function un(f: (v: number, node: OpNode) => number): OpKernel {
  return (inputs, node) => {
    const x = req(inputs, 0, "X");
    return [unary(x, x.dtype, (v) => f(v, node))];
  };
}

/**
 * A unary op with attributes: `make` reads them once per node and returns the element function
 * (reading them per element was slow, and read nothing when no element needed them).
 */
function unWith(make: (node: OpNode) => (v: number) => number): OpKernel {
  return (inputs, node) => {
    const x = req(inputs, 0, "X");
    return [unary(x, x.dtype, make(node))];
  };
}

function unBool(f: (v: number, node: OpNode) => boolean): OpKernel {
  return (inputs, node) => [unary(req(inputs, 0, "X"), "bool", (v) => (f(v, node) ? 1 : 0))];
}

const SELU_ALPHA = 1.67326319217681884765625;
const SELU_GAMMA = 1.05070102214813232421875;

const clipOp: OpKernel = (inputs, node, ctx) => {
  const x = req(inputs, 0, "input");
  let lo = -Infinity;
  let hi = Infinity;
  if (ctx.opset < 11) {
    lo = aFloat(node, "min", -Infinity);
    hi = aFloat(node, "max", Infinity);
  } else {
    const a = opt(inputs, 1);
    const b = opt(inputs, 2);
    if (a !== null) lo = a.data[0] as number;
    if (b !== null) hi = b.data[0] as number;
  }
  return [unary(x, x.dtype, (v) => (Number.isNaN(v) ? v : v < lo ? lo : v > hi ? hi : v))];
};

const castOp: OpKernel = (inputs, node) => {
  const x = req(inputs, 0, "input");
  const to = dtypeAttr(aInt(node, "to", 0), "Cast");
  return [castTo(x, to)];
};

/** Cast with C semantics: float -> int truncates, anything -> bool is `!= 0`. */
export function castTo(x: Tensor, to: KernelDType): Tensor {
  if (to === x.dtype) return { ...x, dims: [...x.dims] };
  const fromFloat = isFloatDType(x.dtype);
  return unary(x, to, (v) => (to === "bool" ? (v !== 0 ? 1 : 0) : isIntDType(to) && fromFloat ? Math.trunc(v) : v));
}

// Reductions -----------------------------------------------------------------------------------

function reduceOp(kind: ReduceKind): OpKernel {
  return (inputs, node, ctx) => {
    const x = req(inputs, 0, "data");
    // Axes became an input in ReduceSum-13 and in the other reductions at opset 18.
    const axesInput = kind === "Sum" ? ctx.opset >= 13 : ctx.opset >= 18;
    let axes: number[] = [];
    if (axesInput) {
      const t = opt(inputs, 1);
      if (t !== null) axes = nums(t);
    } else axes = aInts(node, "axes") ?? [];
    return [reduce(x, kind, axes, aInt(node, "keepdims", 1) === 1, aInt(node, "noop_with_empty_axes", 0) === 1)];
  };
}

function argOp(max: boolean): OpKernel {
  return (inputs, node) => [argExtreme(req(inputs, 0, "data"), max, aInt(node, "axis", 0), aInt(node, "keepdims", 1) === 1, aInt(node, "select_last_index", 0) === 1)];
}

function softmaxOp(kind: "Softmax" | "LogSoftmax" | "Hardmax"): OpKernel {
  return (inputs, node, ctx) => {
    const coerce = ctx.opset < 13;
    return [softmaxFamily(req(inputs, 0, "input"), kind, aInt(node, "axis", coerce ? 1 : -1), coerce)];
  };
}

// Shape ops ------------------------------------------------------------------------------------

function axesFrom(inputs: readonly (Tensor | null)[], node: OpNode, ctx: OpContext, since: number): number[] | null {
  if (ctx.opset >= since) {
    const t = opt(inputs, 1);
    return t === null ? null : nums(t);
  }
  return aInts(node, "axes") ?? null;
}

const splitOp: OpKernel = (inputs, node, ctx) => {
  const x = req(inputs, 0, "input");
  const axis = normAxis("Split", aInt(node, "axis", 0), x.dims.length);
  let sizes: number[] | null = null;
  if (ctx.opset >= 13) {
    const t = opt(inputs, 1);
    if (t !== null && t.data.length > 0) sizes = nums(t);
  } else sizes = aInts(node, "split") ?? null;
  const n = node.outputs.length;
  if (sizes === null) {
    const numOutputs = aInt(node, "num_outputs", n);
    const d = x.dims[axis] as number;
    if (ctx.opset < 18 && d % numOutputs !== 0) shapeFail(`Split: dim ${axis} of size ${d} is not divisible into ${numOutputs} outputs`, x.dims);
    sizes = evenSplit(d, numOutputs);
  }
  return split(x, axis, sizes);
};

const sliceOp: OpKernel = (inputs, node, ctx) => {
  const x = req(inputs, 0, "data");
  if (ctx.opset < 10) {
    const starts = aInts(node, "starts") ?? badAttr("starts is required");
    const ends = aInts(node, "ends") ?? badAttr("ends is required");
    return [slice(x, starts, ends, aInts(node, "axes") ?? null, null)];
  }
  const axesT = opt(inputs, 3);
  const stepsT = opt(inputs, 4);
  return [slice(x, nums(req(inputs, 1, "starts")), nums(req(inputs, 2, "ends")), axesT === null ? null : nums(axesT), stepsT === null ? null : nums(stepsT))];
};

const shapeOp: OpKernel = (inputs, node) => {
  const x = req(inputs, 0, "data");
  const r = x.dims.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = clamp(aInt(node, "start", 0));
  const endA = attr(node, "end");
  const end = endA === undefined ? r : clamp(aInt(node, "end", r));
  const dims = x.dims.slice(start, Math.max(start, end));
  return [tensorFrom("int64", [dims.length], dims)];
};

const constantOp: OpKernel = (_inputs, node, ctx) => {
  for (const [name, a] of node.attrs) {
    switch (name) {
      case "value":
        if (a.type !== "tensor") badAttr("value must be a tensor");
        return [ctx.readConst(a.value)];
      case "value_float":
        return [tensorFrom("float32", [], [aFloat(node, name, 0)])];
      case "value_floats":
        return [tensorFrom("float32", [(aFloats(node, name) ?? []).length], aFloats(node, name) ?? [])];
      case "value_int":
        return [tensorFrom("int64", [], [aInt(node, name, 0)])];
      case "value_ints":
        return [tensorFrom("int64", [(aInts(node, name) ?? []).length], aInts(node, name) ?? [])];
      default:
        unsupported(`Constant with attribute ${name}`);
    }
  }
  return badAttr("Constant has no value attribute");
};

const constantOfShapeOp: OpKernel = (inputs, node, ctx) => {
  const shape = nums(req(inputs, 0, "input"));
  const a = attr(node, "value");
  let dtype: KernelDType = "float32";
  let v = 0;
  if (a !== undefined) {
    if (a.type !== "tensor") badAttr("value must be a tensor");
    const t = ctx.readConst(a.value);
    dtype = t.dtype;
    v = (t.data[0] as number | undefined) ?? 0;
  }
  for (const d of shape) if (!(d >= 0)) shapeFail(`ConstantOfShape: negative dim in [${shape.join(",")}]`, shape);
  const data = allocData(dtype, sizeOf(shape));
  data.fill(v);
  return [{ dtype, dims: shape, data }];
};

const dropoutOp: OpKernel = (inputs, node) => {
  const x = req(inputs, 0, "data");
  const training = opt(inputs, 2);
  if (training !== null && training.data[0]) unsupported("Dropout with training_mode=true");
  // Inference is the identity whatever the ratio (attribute before opset 12) and the seed.
  aFloat(node, "ratio", 0.5);
  aInt(node, "seed", 0);
  if (aInt(node, "is_test", 1) === 0) unsupported("Dropout with is_test=0 (training)");
  const out: (Tensor | null)[] = [{ ...x, dims: [...x.dims] }];
  if (node.outputs.length > 1 && node.outputs[1] !== "") {
    const m = allocData("bool", x.data.length);
    m.fill(1);
    out.push({ dtype: "bool", dims: [...x.dims], data: m });
  }
  return out;
};

const batchNormOp: OpKernel = (inputs, node) => {
  if (aInt(node, "training_mode", 0) !== 0) unsupported("BatchNormalization with training_mode=1");
  // BatchNormalization < 9: spatial=0 normalises per activation (statistics of shape C x D1..Dn).
  if (aInt(node, "spatial", 1) !== 1) unsupported("BatchNormalization with spatial=0");
  if (node.outputs.slice(1).some((o) => o !== "")) unsupported("BatchNormalization training outputs (running mean/var)");
  // momentum only updates the running statistics in training mode, rejected above.
  aFloat(node, "momentum", 0.9);
  return [batchNorm(req(inputs, 0, "X"), req(inputs, 1, "scale"), req(inputs, 2, "B"), req(inputs, 3, "input_mean"), req(inputs, 4, "input_var"), aFloat(node, "epsilon", 1e-5))];
};

const layerNormOp: OpKernel = (inputs, node) => {
  const r = layerNorm(req(inputs, 0, "X"), req(inputs, 1, "Scale"), opt(inputs, 2), aInt(node, "axis", -1), aFloat(node, "epsilon", 1e-5));
  return [r.y, r.mean, r.invStd];
};

// ---------------------------------------------------------------------------------------------

const K = new Map<string, OpKernel>();

K.set("Conv", convOp);
K.set("ConvTranspose", convTransposeOp);
K.set("ConvInteger", convIntegerOp);
K.set("QLinearConv", qlinearConvOp);
K.set("MaxPool", maxPoolOp);
K.set("AveragePool", (inputs, node) => [averagePool(req(inputs, 0, "X"), poolAttrs(node))]);
K.set("LpPool", (inputs, node) => [lpPool(req(inputs, 0, "X"), poolAttrs(node))]);
K.set("MaxUnpool", (inputs, node) => {
  const os = opt(inputs, 2);
  return [maxUnpool(req(inputs, 0, "X"), req(inputs, 1, "I"), poolAttrs(node), os === null ? null : nums(os))];
});
K.set("GlobalAveragePool", (inputs) => [globalPool(req(inputs, 0, "X"), "avg")]);
K.set("GlobalMaxPool", (inputs) => [globalPool(req(inputs, 0, "X"), "max")]);
K.set("GlobalLpPool", (inputs, node) => [globalPool(req(inputs, 0, "X"), "lp", aInt(node, "p", 2))]);
K.set("Resize", resizeOp);
K.set("Upsample", resizeOp);
K.set("Pad", padOp);

K.set("Add", arith("Add"));
K.set("Sub", arith("Sub"));
K.set("Mul", arith("Mul"));
K.set("Div", arith("Div"));
K.set("Mod", modOp);
K.set("Pow", powOp);
K.set("BitShift", bitShiftOp);
K.set("BitwiseAnd", bitwise("BitwiseAnd", (x, y) => x & y));
K.set("BitwiseOr", bitwise("BitwiseOr", (x, y) => x | y));
K.set("BitwiseXor", bitwise("BitwiseXor", (x, y) => x ^ y));
K.set("BitwiseNot", (inputs) => {
  const x = req(inputs, 0, "X");
  return [unary(x, x.dtype, (v) => Number(BigInt.asIntN(64, ~BigInt(v))))];
});
K.set("Equal", compare("Equal", (x, y) => x === y));
K.set("Less", compare("Less", (x, y) => x < y));
K.set("LessOrEqual", compare("LessOrEqual", (x, y) => x <= y));
K.set("Greater", compare("Greater", (x, y) => x > y));
K.set("GreaterOrEqual", compare("GreaterOrEqual", (x, y) => x >= y));
K.set("And", logic("And", (x, y) => x && y));
K.set("Or", logic("Or", (x, y) => x || y));
K.set("Xor", logic("Xor", (x, y) => x !== y));
K.set("PRelu", preluOp);
K.set("Sum", (inputs) => [variadic("Sum", inputs.filter((t): t is Tensor => t !== null))]);
K.set("Max", (inputs) => [variadic("Max", inputs.filter((t): t is Tensor => t !== null))]);
K.set("Min", (inputs) => [variadic("Min", inputs.filter((t): t is Tensor => t !== null))]);
K.set("Mean", (inputs) => [variadic("Mean", inputs.filter((t): t is Tensor => t !== null))]);
K.set("Where", (inputs) => [where(req(inputs, 0, "condition"), req(inputs, 1, "X"), req(inputs, 2, "Y"))]);

K.set("Relu", un((v) => (v > 0 ? v : 0)));
K.set("LeakyRelu", unWith((n) => {
  const a = aFloat(n, "alpha", 0.01);
  return (v) => (v < 0 ? a * v : v);
}));
K.set("Sigmoid", un((v) => sigmoid(v)));
K.set("HardSigmoid", unWith((n) => {
  const a = aFloat(n, "alpha", 0.2);
  const b = aFloat(n, "beta", 0.5);
  return (v) => Math.max(0, Math.min(1, a * v + b));
}));
K.set("HardSwish", un((v) => v * Math.max(0, Math.min(1, v / 6 + 0.5))));
K.set("Tanh", un((v) => Math.tanh(v)));
K.set("Elu", unWith((n) => {
  const a = aFloat(n, "alpha", 1);
  return (v) => (v < 0 ? a * Math.expm1(v) : v);
}));
K.set("Selu", unWith((n) => {
  const g = aFloat(n, "gamma", SELU_GAMMA);
  const a = aFloat(n, "alpha", SELU_ALPHA);
  return (v) => (v <= 0 ? g * a * Math.expm1(v) : g * v);
}));
K.set("Celu", unWith((n) => {
  const a = aFloat(n, "alpha", 1);
  return (v) => Math.max(0, v) + Math.min(0, a * Math.expm1(v / a));
}));
K.set("Softplus", un((v) => softplus(v)));
K.set("Softsign", un((v) => v / (1 + Math.abs(v))));
K.set("ThresholdedRelu", unWith((n) => {
  const a = aFloat(n, "alpha", 1);
  return (v) => (v > a ? v : 0);
}));
K.set("Shrink", unWith((n) => {
  const l = aFloat(n, "lambd", 0.5);
  const b = aFloat(n, "bias", 0);
  return (v) => (v < -l ? v + b : v > l ? v - b : 0);
}));
K.set("Gelu", unWith((n) => {
  const mode = aStr(n, "approximate", "none") === "tanh" ? "tanh" : "none";
  return (v) => gelu(v, mode);
}));
K.set("Mish", un((v) => v * Math.tanh(softplus(v))));
K.set("Abs", un((v) => Math.abs(v)));
K.set("Neg", un((v) => -v));
K.set("Exp", un((v) => Math.exp(v)));
K.set("Log", un((v) => Math.log(v)));
K.set("Sqrt", un((v) => Math.sqrt(v)));
K.set("Reciprocal", un((v) => 1 / v));
K.set("Floor", un((v) => Math.floor(v)));
K.set("Ceil", un((v) => Math.ceil(v)));
K.set("Round", un((v) => roundHalfEven(v)));
K.set("Sign", un((v) => (Number.isNaN(v) ? v : v > 0 ? 1 : v < 0 ? -1 : 0)));
K.set("Sin", un((v) => Math.sin(v)));
K.set("Cos", un((v) => Math.cos(v)));
K.set("Tan", un((v) => Math.tan(v)));
K.set("Asin", un((v) => Math.asin(v)));
K.set("Acos", un((v) => Math.acos(v)));
K.set("Atan", un((v) => Math.atan(v)));
K.set("Sinh", un((v) => Math.sinh(v)));
K.set("Cosh", un((v) => Math.cosh(v)));
K.set("Asinh", un((v) => Math.asinh(v)));
K.set("Acosh", un((v) => Math.acosh(v)));
K.set("Atanh", un((v) => Math.atanh(v)));
K.set("Erf", un((v) => erf(v)));
K.set("Not", unBool((v) => v === 0));
K.set("IsNaN", unBool((v) => Number.isNaN(v)));
K.set("IsInf", (inputs, node) => {
  const pos = aInt(node, "detect_positive", 1) === 1;
  const neg = aInt(node, "detect_negative", 1) === 1;
  return [unary(req(inputs, 0, "X"), "bool", (v) => ((v === Infinity && pos) || (v === -Infinity && neg) ? 1 : 0))];
});
K.set("Clip", clipOp);
K.set("Cast", castOp);
K.set("CastLike", (inputs) => [castTo(req(inputs, 0, "input"), req(inputs, 1, "target_type").dtype)]);
K.set("Identity", (inputs) => {
  const x = req(inputs, 0, "input");
  return [{ ...x, dims: [...x.dims] }];
});
K.set("Dropout", dropoutOp);

K.set("BatchNormalization", batchNormOp);
K.set("InstanceNormalization", (inputs, node) => [instanceNorm(req(inputs, 0, "input"), req(inputs, 1, "scale"), req(inputs, 2, "B"), aFloat(node, "epsilon", 1e-5))]);
K.set("LayerNormalization", layerNormOp);
K.set("LRN", (inputs, node) => [lrn(req(inputs, 0, "X"), aInt(node, "size", 1), aFloat(node, "alpha", 1e-4), aFloat(node, "beta", 0.75), aFloat(node, "bias", 1))]);
K.set("MeanVarianceNormalization", (inputs, node) => [meanVarianceNorm(req(inputs, 0, "X"), aInts(node, "axes") ?? [0, 2, 3])]);

K.set("Gemm", (inputs, node) => [
  gemmOp(req(inputs, 0, "A"), req(inputs, 1, "B"), opt(inputs, 2), aFloat(node, "alpha", 1), aFloat(node, "beta", 1), aInt(node, "transA", 0) === 1, aInt(node, "transB", 0) === 1),
]);
K.set("MatMul", (inputs) => [matmul(req(inputs, 0, "A"), req(inputs, 1, "B"))]);
K.set("Softmax", softmaxOp("Softmax"));
K.set("LogSoftmax", softmaxOp("LogSoftmax"));
K.set("Hardmax", softmaxOp("Hardmax"));
for (const k of ["Sum", "Mean", "Max", "Min", "Prod", "L1", "L2", "LogSum", "LogSumExp", "SumSquare"] as const) K.set(`Reduce${k}`, reduceOp(k));
K.set("ArgMax", argOp(true));
K.set("ArgMin", argOp(false));

K.set("Concat", (inputs, node) => [concat(inputs.filter((t): t is Tensor => t !== null), aInt(node, "axis", 0))]);
K.set("Split", splitOp);
K.set("Slice", sliceOp);
K.set("Reshape", (inputs, node) => [reshape(req(inputs, 0, "data"), nums(req(inputs, 1, "shape")), aInt(node, "allowzero", 0) === 1)]);
K.set("Flatten", (inputs, node) => [flatten(req(inputs, 0, "input"), aInt(node, "axis", 1))]);
K.set("Transpose", (inputs, node) => [transpose(req(inputs, 0, "data"), aInts(node, "perm"))]);
K.set("Squeeze", (inputs, node, ctx) => [squeeze(req(inputs, 0, "data"), axesFrom(inputs, node, ctx, 13))]);
K.set("Unsqueeze", (inputs, node, ctx) => [unsqueeze(req(inputs, 0, "data"), axesFrom(inputs, node, ctx, 13) ?? badAttr("Unsqueeze needs axes"))]);
K.set("Gather", (inputs, node) => [gather(req(inputs, 0, "data"), req(inputs, 1, "indices"), aInt(node, "axis", 0))]);
K.set("GatherElements", (inputs, node) => [gatherElements(req(inputs, 0, "data"), req(inputs, 1, "indices"), aInt(node, "axis", 0))]);
K.set("Shape", shapeOp);
K.set("Size", (inputs) => [tensorFrom("int64", [], [req(inputs, 0, "data").data.length])]);
K.set("Expand", (inputs) => [expand(req(inputs, 0, "input"), nums(req(inputs, 1, "shape")))]);
K.set("Tile", (inputs) => [tile(req(inputs, 0, "input"), nums(req(inputs, 1, "repeats")))]);
K.set("Constant", constantOp);
K.set("ConstantOfShape", constantOfShapeOp);
K.set("Range", (inputs) => {
  const s = req(inputs, 0, "start");
  return [range(s.dtype, s.data[0] as number, req(inputs, 1, "limit").data[0] as number, req(inputs, 2, "delta").data[0] as number)];
});
K.set("DepthToSpace", (inputs, node) => [depthToSpace(req(inputs, 0, "input"), aInt(node, "blocksize", 0), aStr(node, "mode", "DCR") === "CRD" ? "CRD" : "DCR")]);
K.set("SpaceToDepth", (inputs, node) => [spaceToDepth(req(inputs, 0, "input"), aInt(node, "blocksize", 0))]);
K.set("Trilu", (inputs, node) => {
  const k = opt(inputs, 1);
  return [trilu(req(inputs, 0, "input"), aInt(node, "upper", 1) === 1, k === null ? 0 : (k.data[0] as number))];
});
K.set("CumSum", (inputs, node) => [cumsum(req(inputs, 0, "x"), req(inputs, 1, "axis").data[0] as number, aInt(node, "exclusive", 0) === 1, aInt(node, "reverse", 0) === 1)]);
K.set("NonZero", (inputs) => [nonZero(req(inputs, 0, "X"))]);

/** Kernels by op type (ai.onnx domain). */
export const KERNELS: ReadonlyMap<string, OpKernel> = K;

/** True when `opType` in `domain` has a kernel. */
export function hasKernel(opType: string, domain = ""): boolean {
  return (domain === "" || domain === "ai.onnx") && K.has(opType);
}

/** The implemented op types, sorted. */
export function supportedOps(): string[] {
  return [...K.keys()].sort();
}
