/**
 * Elementwise ops: numpy-broadcast binary and variadic ops (arithmetic, comparison, logic,
 * bitwise), Where, the math unary ops (the activations live in index-nn.ts), Cast, CastLike and
 * Identity. All of them carry element values, so integer shape arithmetic exported by PyTorch
 * (`x.size(2) - y.size(2)`, `diff // 2`, `floor(x.size(2) * 2.0)`) is evaluated on symbolic sizes.
 */
import { type DType, dtypeFromOnnx, isIntegerType } from "../../ir/dtype.js";
import type { Shape } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp, defineOps } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { broadcastShapes, evalBroadcast, legacyBroadcast } from "./broadcast.js";
import { concreteShape, firstDtype, result, trackedScalars } from "./tensor-util.js";
import {
  type ArithMode,
  type Scalar,
  absS,
  addS,
  bounds,
  ceilS,
  compareS,
  divS,
  floorS,
  isSym,
  maxS,
  minS,
  modS,
  mulS,
  negS,
  roundS,
  signS,
  subS,
  scalarsOf,
  truncS,
} from "./values.js";

type Fn = (xs: Scalar[], mode: ArithMode, ctx: InferContext) => Scalar;

interface ElementwiseSpec {
  /** Output dtype from the inputs (default: the first known input dtype). */
  readonly dtype?: (ctx: InferContext) => DType | null;
  /** Element function for value propagation; absent when values are not followed. */
  readonly fn?: Fn;
  /** Pre-opset-7 unidirectional broadcast with `broadcast`/`axis` attributes. */
  readonly legacy?: boolean;
  /** Equal shapes required (variadic ops before opset 8). */
  readonly strict?: boolean;
}

function givenInputs(ctx: InferContext): number[] {
  const idx: number[] = [];
  for (let i = 0; i < ctx.inputCount; i++) if (ctx.hasInput(i)) idx.push(i);
  return idx;
}

/** Shared body of every broadcasting elementwise op. */
function elementwise(ctx: InferContext, spec: ElementwiseSpec): InferResult {
  const idx = givenInputs(ctx);
  const infos = idx.map((i) => ctx.input(i));
  const dtype = spec.dtype ? spec.dtype(ctx) : firstDtype(ctx, ...idx);
  let shape: Shape | null;
  let shapes: (Shape | null)[] = infos.map((t) => t?.shape ?? null);
  if (spec.legacy && idx.length === 2) {
    const lb = legacyBroadcast(ctx, shapes[0] ?? null, shapes[1] ?? null, ctx.int("broadcast", 0) === 1, ctx.int("axis"));
    shape = lb.shape;
    shapes = [shapes[0] ?? null, lb.bPadded];
  } else {
    shape = broadcastShapes(ctx, shapes, idx, spec.strict ? { strict: true } : {});
  }
  let scalars: Scalar[] | null = null;
  const out = concreteShape(shape);
  const fn = spec.fn;
  if (fn && out !== null && out.reduce((p, d) => p * d, 1) <= 4096) {
    const ops = infos.map((t, j) => {
      const tr = trackedScalars(t);
      const s = concreteShape(shapes[j]);
      return tr && s ? { shape: s, scalars: tr.scalars } : null;
    });
    if (ops.every((o) => o !== null)) {
      const mode: ArithMode = { dtype };
      scalars = evalBroadcast(out, ops as { shape: number[]; scalars: Scalar[] }[], (xs) => fn(xs, mode, ctx));
    }
  }
  return [result(dtype, shape, scalars)];
}

// ---------------------------------------------------------------------------------------------
// Element functions.

/** Integer division with unknown dtype is only trusted when exact (trunc and true division agree). */
const divFn: Fn = ([a, b], mode) => {
  if (mode.dtype !== null) return divS(a ?? null, b ?? null, mode);
  const r = divS(a ?? null, b ?? null, { dtype: "float64" });
  return (typeof r === "number" && Number.isInteger(r)) || (isSym(r) && r.den === 1) ? r : null;
};

const powFn: Fn = ([a, b], mode) => {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof b !== "number") return null;
  if (b === 1) return a;
  if (b === 0) return 1;
  if (typeof a !== "number") return null;
  const r = Math.pow(a, b);
  if (mode.dtype !== null && isIntegerType(mode.dtype)) return Number.isSafeInteger(r) ? r : null;
  return mode.dtype === "float32" ? Math.fround(r) : r;
};

const bool = (v: boolean | null): Scalar => (v === null ? null : v ? 1 : 0);

function truth(a: Scalar): boolean | null {
  if (a === null) return null;
  if (typeof a === "number") return a !== 0;
  const { lo, hi } = bounds(a.num);
  if (lo > 0 || hi < 0) return true;
  if (lo === 0 && hi === 0) return false;
  return null;
}

function logic(op: (x: boolean, y: boolean) => boolean): Fn {
  return ([a, b]) => {
    const x = truth(a ?? null);
    const y = truth(b ?? null);
    if (x === null || y === null) return null;
    return bool(op(x, y));
  };
}

function compare(test: (r: ReturnType<typeof compareS>) => boolean | null): Fn {
  return ([a, b]) => bool(test(compareS(a ?? null, b ?? null)));
}

const eqTest = (r: ReturnType<typeof compareS>) => (r === "eq" ? true : r === "lt" || r === "gt" || r === "ne" ? false : null);
const ltTest = (r: ReturnType<typeof compareS>) => (r === "lt" ? true : r === "eq" || r === "gt" || r === "ge" ? false : null);
const gtTest = (r: ReturnType<typeof compareS>) => (r === "gt" ? true : r === "eq" || r === "lt" || r === "le" ? false : null);
const leTest = (r: ReturnType<typeof compareS>) => (r === "lt" || r === "eq" || r === "le" ? true : r === "gt" ? false : null);
const geTest = (r: ReturnType<typeof compareS>) => (r === "gt" || r === "eq" || r === "ge" ? true : r === "lt" ? false : null);

function concreteInts(fn: (a: bigint, b: bigint) => bigint | null): Fn {
  return ([a, b], mode) => {
    if (typeof a !== "number" || typeof b !== "number" || !Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return null;
    const r = fn(BigInt(a), BigInt(b));
    if (r === null) return null;
    const v = Number(wrap(r, mode.dtype));
    return Number.isSafeInteger(v) ? v : null;
  };
}

const WIDTH: Partial<Record<DType, { bits: number; signed: boolean }>> = {
  int8: { bits: 8, signed: true },
  uint8: { bits: 8, signed: false },
  int16: { bits: 16, signed: true },
  uint16: { bits: 16, signed: false },
  int32: { bits: 32, signed: true },
  uint32: { bits: 32, signed: false },
  int64: { bits: 64, signed: true },
  uint64: { bits: 64, signed: false },
};

function wrap(v: bigint, dtype: DType | null): bigint {
  const w = dtype ? WIDTH[dtype] : undefined;
  if (!w) return v;
  return w.signed ? BigInt.asIntN(w.bits, v) : BigInt.asUintN(w.bits, v);
}

function variadic(step: (a: Scalar, b: Scalar, mode: ArithMode) => Scalar, mean = false): Fn {
  return (xs, mode) => {
    let acc: Scalar = xs[0] ?? null;
    for (let i = 1; i < xs.length; i++) acc = step(acc, xs[i] ?? null, mode);
    return mean ? divS(acc, xs.length, mode) : acc;
  };
}

/** Float results of transcendental functions, rounded to the tensor's precision. */
function floatUnary(f: (x: number) => number): Fn {
  return ([a], mode) => {
    if (typeof a !== "number") return null;
    const r = f(a);
    return mode.dtype === "float32" ? Math.fround(r) : mode.dtype === "float64" ? r : null;
  };
}

// ---------------------------------------------------------------------------------------------
// Binary and variadic ops.

interface BinarySpec {
  readonly types: readonly string[];
  /** Opset of the first numpy-broadcast version; earlier versions use the legacy attributes. */
  readonly numpySince: number;
  readonly fn?: Fn;
  readonly dtype?: (ctx: InferContext) => DType | null;
  readonly attrs?: readonly string[];
}

const boolOut = (): DType => "bool";

function binary(spec: BinarySpec): OpDef[] {
  const extra = spec.attrs ?? [];
  const defs: OpDef[] = [];
  const base = { ...(spec.fn ? { fn: spec.fn } : {}), ...(spec.dtype ? { dtype: spec.dtype } : {}) };
  if (spec.numpySince > 1) {
    defs.push(
      ...defineOps(spec.types, {
        domain: "",
        since: 1,
        attrs: ["broadcast", "axis", "consumed_inputs", ...extra],
        infer: (ctx) => elementwise(ctx, { ...base, legacy: true }),
      }),
    );
  }
  defs.push(...defineOps(spec.types, { domain: "", since: spec.numpySince, attrs: extra, infer: (ctx) => elementwise(ctx, base) }));
  return defs;
}

const BINARY: OpDef[] = [
  ...binary({ types: ["Add"], numpySince: 7, fn: ([a, b], m) => addS(a ?? null, b ?? null, m) }),
  ...binary({ types: ["Sub"], numpySince: 7, fn: ([a, b], m) => subS(a ?? null, b ?? null, m) }),
  ...binary({ types: ["Mul"], numpySince: 7, fn: ([a, b], m) => mulS(a ?? null, b ?? null, m) }),
  ...binary({ types: ["Div"], numpySince: 7, fn: divFn }),
  // Pow-7 and later: the result has the base's type (Pow-12 allows a different exponent type).
  ...binary({ types: ["Pow"], numpySince: 7, fn: powFn, dtype: (ctx) => firstDtype(ctx, 0) }),
  ...binary({ types: ["And"], numpySince: 7, fn: logic((x, y) => x && y), dtype: boolOut }),
  ...binary({ types: ["Or"], numpySince: 7, fn: logic((x, y) => x || y), dtype: boolOut }),
  ...binary({ types: ["Xor"], numpySince: 7, fn: logic((x, y) => x !== y), dtype: boolOut }),
  ...binary({ types: ["Equal"], numpySince: 7, fn: compare(eqTest), dtype: boolOut }),
  ...binary({ types: ["Less"], numpySince: 7, fn: compare(ltTest), dtype: boolOut }),
  ...binary({ types: ["Greater"], numpySince: 7, fn: compare(gtTest), dtype: boolOut }),
  ...binary({ types: ["LessOrEqual"], numpySince: 1, fn: compare(leTest), dtype: boolOut }),
  ...binary({ types: ["GreaterOrEqual"], numpySince: 1, fn: compare(geTest), dtype: boolOut }),
  ...binary({
    types: ["Mod"],
    numpySince: 1,
    attrs: ["fmod"],
    fn: ([a, b], m, ctx) => modS(a ?? null, b ?? null, ctx.int("fmod", 0) === 1, m),
  }),
  ...binary({
    types: ["BitShift"],
    numpySince: 1,
    attrs: ["direction"],
    fn: (xs, m, ctx) => concreteInts((a, b) => (b < 0n ? null : ctx.string("direction", "") === "LEFT" ? a << b : a >> b))(xs, m, ctx),
  }),
  ...binary({ types: ["BitwiseAnd"], numpySince: 1, fn: concreteInts((a, b) => a & b) }),
  ...binary({ types: ["BitwiseOr"], numpySince: 1, fn: concreteInts((a, b) => a | b) }),
  ...binary({ types: ["BitwiseXor"], numpySince: 1, fn: concreteInts((a, b) => a ^ b) }),
];

// Max, Min, Sum, Mean: variadic; equal shapes before opset 8, numpy broadcasting from 8.
function variadicOp(type: string, fn: Fn): OpDef[] {
  return [
    defineOp({ type, domain: "", since: 1, attrs: ["consumed_inputs"], infer: (ctx) => elementwise(ctx, { fn, strict: true }) }),
    defineOp({ type, domain: "", since: 8, infer: (ctx) => elementwise(ctx, { fn }) }),
  ];
}

const VARIADIC: OpDef[] = [
  ...variadicOp("Max", variadic((a, b) => maxS(a, b))),
  ...variadicOp("Min", variadic((a, b) => minS(a, b))),
  ...variadicOp("Sum", variadic(addS)),
  ...variadicOp("Mean", variadic(addS, true)),
];

/** Where(condition, X, Y), opset 9+: three-way broadcast; the dtype is X's. */
const WHERE = defineOp({
  type: "Where",
  domain: "",
  since: 9,
  infer: (ctx) =>
    elementwise(ctx, {
      dtype: (c) => firstDtype(c, 1, 2),
      fn: ([c, x, y]) => {
        const t = truth(c ?? null);
        if (t === true) return x ?? null;
        if (t === false) return y ?? null;
        const a = x ?? null;
        const b = y ?? null;
        if (a !== null && b !== null && compareS(a, b) === "eq") return a;
        return null;
      },
    }),
});

// ---------------------------------------------------------------------------------------------
// Unary math ops (activations such as Relu, Sigmoid, Tanh, Softplus are in index-nn.ts).

function unary(types: readonly string[], fn: Fn | undefined, dtype?: (ctx: InferContext) => DType | null, attrs: readonly string[] = []): OpDef[] {
  return defineOps(types, {
    domain: "",
    since: 1,
    attrs: ["consumed_inputs", ...attrs],
    infer: (ctx) => elementwise(ctx, { ...(fn ? { fn } : {}), ...(dtype ? { dtype } : {}) }),
  });
}

const UNARY: OpDef[] = [
  ...unary(["Abs"], ([a]) => absS(a ?? null)),
  ...unary(["Neg"], ([a]) => negS(a ?? null)),
  ...unary(["Floor"], ([a]) => floorS(a ?? null)),
  ...unary(["Ceil"], ([a]) => ceilS(a ?? null)),
  ...unary(["Round"], ([a]) => roundS(a ?? null)),
  ...unary(["Sign"], ([a]) => signS(a ?? null)),
  ...unary(["Reciprocal"], floatUnary((x) => 1 / x)),
  ...unary(["Sqrt"], floatUnary(Math.sqrt)),
  ...unary(["Exp"], floatUnary(Math.exp)),
  ...unary(["Log"], floatUnary(Math.log)),
  ...unary(["Sin"], floatUnary(Math.sin)),
  ...unary(["Cos"], floatUnary(Math.cos)),
  ...unary(["Tan"], floatUnary(Math.tan)),
  ...unary(["Asin"], floatUnary(Math.asin)),
  ...unary(["Acos"], floatUnary(Math.acos)),
  ...unary(["Atan"], floatUnary(Math.atan)),
  ...unary(["Sinh"], floatUnary(Math.sinh)),
  ...unary(["Cosh"], floatUnary(Math.cosh)),
  ...unary(["Asinh"], floatUnary(Math.asinh)),
  ...unary(["Acosh"], floatUnary(Math.acosh)),
  ...unary(["Atanh"], floatUnary(Math.atanh)),
  ...unary(["Erf"], undefined),
  ...unary(["Not"], ([a]) => {
    const t = truth(a ?? null);
    return t === null ? null : t ? 0 : 1;
  }),
  ...unary(["BitwiseNot"], ([a], m) => (typeof a === "number" && Number.isSafeInteger(a) ? Number(wrap(~BigInt(a), m.dtype)) : null)),
  ...unary(["IsNaN"], ([a]) => (typeof a === "number" ? (Number.isNaN(a) ? 1 : 0) : a === null ? null : 0), boolOut),
  ...unary(
    ["IsInf"],
    ([a], _m, ctx) => {
      if (typeof a !== "number") return a === null ? null : 0;
      const neg = ctx.int("detect_negative", 1) === 1;
      const pos = ctx.int("detect_positive", 1) === 1;
      return (a === Infinity && pos) || (a === -Infinity && neg) ? 1 : 0;
    },
    boolOut,
    ["detect_negative", "detect_positive"],
  ),
];

/**
 * Clip: bounds are attributes `min`/`max` before opset 11 and optional scalar inputs from 11;
 * the output has the input's shape (bounds do not broadcast).
 */
function clipInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const tr = trackedScalars(x);
  let lo: Scalar | undefined;
  let hi: Scalar | undefined;
  if (ctx.opset < 11) {
    const a = ctx.attr("min");
    const b = ctx.attr("max");
    lo = a?.type === "float" ? a.value : undefined;
    hi = b?.type === "float" ? b.value : undefined;
  } else {
    lo = ctx.hasInput(1) ? (scalarsOf(ctx.input(1))?.[0] ?? null) : undefined;
    hi = ctx.hasInput(2) ? (scalarsOf(ctx.input(2))?.[0] ?? null) : undefined;
  }
  const scalars = tr
    ? tr.scalars.map((v) => {
        let r: Scalar = v;
        if (lo !== undefined) r = maxS(r, lo);
        if (hi !== undefined) r = minS(r, hi);
        return r;
      })
    : null;
  return [result(dtype, x?.shape ?? null, scalars)];
}

// ---------------------------------------------------------------------------------------------
// Cast, CastLike, Identity.

const TYPE_NAMES: Readonly<Record<string, DType>> = {
  FLOAT: "float32",
  UINT8: "uint8",
  INT8: "int8",
  UINT16: "uint16",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  STRING: "string",
  BOOL: "bool",
  FLOAT16: "float16",
  DOUBLE: "float64",
  UINT32: "uint32",
  UINT64: "uint64",
  COMPLEX64: "complex64",
  COMPLEX128: "complex128",
  BFLOAT16: "bfloat16",
};

/** The target dtype of Cast: an enum code since opset 6, a type name in opset 1. */
function castTarget(ctx: InferContext): DType | null {
  const a = ctx.attr("to");
  if (a?.type === "int") return dtypeFromOnnx(a.value);
  if (a?.type === "string") return TYPE_NAMES[a.value.toUpperCase()] ?? null;
  return null;
}

const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * One element converted to `to`. Float to integer truncates toward zero (C semantics, as
 * onnxruntime and numpy `astype`); an integer out of the target range is unknown (the wrap-around
 * of an overflowing cast is not modelled); float16/bfloat16 keep only exactly representable
 * small integers; anything to bool is `x != 0`.
 */
export function castScalar(a: Scalar, from: DType | null, to: DType | null): Scalar {
  if (a === null || to === null) return null;
  if (to === "bool") {
    const t = truth(a);
    return t === null ? null : t ? 1 : 0;
  }
  const range = INT_RANGE[to];
  if (range) {
    const t = from !== null && (isIntegerType(from) || from === "bool") ? a : truncS(a);
    if (t === null) return null;
    if (typeof t === "number") return t >= range[0] && t <= range[1] ? t : null;
    const b = bounds(t.num);
    return b.lo >= range[0] && b.hi <= range[1] ? t : to === "int64" || to === "int32" ? t : null;
  }
  if (to === "float64") return a;
  if (to === "float32") return typeof a === "number" ? Math.fround(a) : a;
  if (to === "float16" || to === "bfloat16") {
    const limit = to === "float16" ? 2048 : 256;
    return typeof a === "number" && Number.isInteger(a) && Math.abs(a) <= limit ? a : null;
  }
  return null;
}

function castInfer(ctx: InferContext, to: DType | null): InferResult {
  const x = ctx.input(0);
  if (!x) return [tensor(to, null)];
  const tr = trackedScalars(x);
  const from = x.dtype;
  return [result(to, x.shape, tr ? tr.scalars.map((s) => castScalar(s, from, to)) : null)];
}

const CASTS: OpDef[] = [
  defineOp({ type: "Clip", domain: "", since: 1, attrs: ["min", "max", "consumed_inputs"], infer: clipInfer }),
  defineOp({ type: "Cast", domain: "", since: 1, attrs: ["to", "saturate", "round_mode"], infer: (ctx) => castInfer(ctx, castTarget(ctx)) }),
  defineOp({ type: "CastLike", domain: "", since: 15, attrs: ["saturate", "round_mode"], infer: (ctx) => castInfer(ctx, ctx.input(1)?.dtype ?? null) }),
  defineOp({
    type: "Identity",
    domain: "",
    since: 1,
    attrs: [],
    infer: (ctx) => [ctx.input(0) ?? null],
  }),
];

/** Every elementwise op definition. */
export const ELEMENTWISE_OPS: readonly OpDef[] = [...BINARY, ...VARIADIC, WHERE, ...UNARY, ...CASTS];
