/**
 * Element values of shape-computing tensors (DESIGN.md section 4): the scalar algebra that lets
 * `Shape -> Gather -> Sub -> Div -> Concat -> Pad` be evaluated on symbolic sizes.
 *
 * `TensorInfo.value` holds one `Dim | null` per element: integers (and plain float constants such
 * as Resize scales) as numbers, symbolic integers as expressions. A float tensor can also hold an
 * exact *non-integral* symbolic value, e.g. `H / 2` after PyTorch's float division of a size;
 * that is not a `Dim`, so the public entry stays `null` and the exact rational `num / den` is kept
 * in a side table keyed by the value array (the array object travels unchanged through
 * propagation), where `Floor`, `Ceil`, `Cast` and further arithmetic find it again.
 *
 * Every operation here is *speculative*: when a result cannot be known exactly it is `null`
 * (unknown), never an approximation. Integer overflow past 2^53 yields `null` too (the ONNX
 * int64 sentinels `INT64_MAX`/`INT64_MIN` are kept as the nearest doubles and only ever compared).
 */
import { DimOverflowError, floorDivInt, gcd } from "../../ir/checked-int.js";
import { type Dim, type Expr, add, ceilDiv, dimEquals, floorDiv, max, min, modDim, mul, sub } from "../../ir/dim.js";
import type { DType } from "../../ir/dtype.js";
import { isIntegerType } from "../../ir/dtype.js";
import type { TensorInfo } from "../tensor-info.js";

/** An exact symbolic rational `num / den` (`den >= 1`); `den == 1` is a symbolic integer. */
export interface SymQ {
  readonly num: Expr;
  readonly den: number;
}

/**
 * One element during evaluation: a concrete number (integer, or float for float tensors), an
 * exact symbolic rational, or unknown.
 */
export type Scalar = number | SymQ | null;

const rationals = new WeakMap<readonly (Dim | null)[], readonly (SymQ | null)[]>();

/** True for a symbolic (non-number) scalar. */
export function isSym(s: Scalar): s is SymQ {
  return s !== null && typeof s === "object";
}

/** The scalars of a tensor's known elements, or `null` when its value is not tracked. */
export function scalarsOf(info: TensorInfo | null | undefined): Scalar[] | null {
  const v = info?.value;
  if (v === undefined) return null;
  const side = rationals.get(v);
  return v.map((d, i) => {
    if (d === null) return side?.[i] ?? null;
    return typeof d === "number" ? d : { num: d, den: 1 };
  });
}

/** A scalar from a dim (element of a value array). */
export function scalarOfDim(d: Dim | null): Scalar {
  if (d === null) return null;
  return typeof d === "number" ? d : { num: d, den: 1 };
}

/**
 * Build a value array from scalars for a tensor of `dtype`: integer tensors keep only integral
 * elements, bool tensors 0/1; non-integral symbolic rationals go to the side table.
 */
export function valueOf(scalars: readonly Scalar[], dtype: DType | null): (Dim | null)[] {
  const out: (Dim | null)[] = [];
  let side: (SymQ | null)[] | null = null;
  const intLike = dtype !== null && (isIntegerType(dtype) || dtype === "bool");
  scalars.forEach((s, i) => {
    if (s === null) out.push(null);
    else if (typeof s === "number") {
      if (intLike && !Number.isInteger(s)) out.push(null);
      else out.push(s);
    } else if (s.den === 1) out.push(s.num);
    else {
      out.push(null);
      if (!intLike) {
        side ??= new Array<SymQ | null>(scalars.length).fill(null);
        side[i] = s;
      }
    }
  });
  if (side !== null) rationals.set(out, side);
  return out;
}

/** A scalar as a dim when it is an integer (concrete or symbolic), else `null`. */
export function dimOfScalar(s: Scalar): Dim | null {
  if (s === null) return null;
  if (typeof s === "number") return Number.isSafeInteger(s) ? s : null;
  return s.den === 1 ? s.num : null;
}

/** Run a speculative computation; overflow or an unrepresentable result gives `null`. */
export function attempt<T>(f: () => T | null): T | null {
  try {
    return f();
  } catch (e) {
    if (e instanceof DimOverflowError) return null;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Exact fractions of concrete numbers.

/** `x` as an exact fraction `p/q` with a power-of-two `q <= 2^20`, or `null` (e.g. 0.1). */
function fractionOf(x: number): { p: number; q: number } | null {
  if (!Number.isFinite(x)) return null;
  let q = 1;
  let p = x;
  while (!Number.isInteger(p)) {
    if (q >= 1 << 20) return null;
    q *= 2;
    p = x * q;
  }
  if (!Number.isSafeInteger(p)) return null;
  return { p, q };
}

function normQ(num: Dim, den: number): Scalar {
  if (den < 0) {
    num = mul(num, -1);
    den = -den;
  }
  if (typeof num === "number") return num / den;
  // Cancel a common factor of every coefficient, the constant and the denominator.
  let g = den;
  for (const t of num.terms) g = gcd(g, t.coef);
  g = gcd(g, num.c);
  if (g > 1) {
    const n = floorDiv(num, g); // exact: g divides every coefficient and the constant
    den /= g;
    if (typeof n === "number") return n / den;
    return { num: n, den };
  }
  return { num, den };
}

function asQ(s: number | SymQ): { num: Dim; den: number } | null {
  if (typeof s !== "number") return s;
  const f = fractionOf(s);
  return f === null ? null : { num: f.p, den: f.q };
}

// ---------------------------------------------------------------------------------------------
// Arithmetic. `float32` results of concrete operations are rounded like the runtime does.

/** Element arithmetic context: the dtype of the result decides integer vs float semantics. */
export interface ArithMode {
  readonly dtype: DType | null;
}

/** Ranges of the narrow integer types: a result outside would wrap, which is not modelled. */
const NARROW: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

function roundFor(x: number, mode: ArithMode): number | null {
  if (mode.dtype !== null && isIntegerType(mode.dtype)) {
    if (!Number.isSafeInteger(x)) return null;
    const r = NARROW[mode.dtype];
    return r === undefined || (x >= r[0] && x <= r[1]) ? x : null;
  }
  if (mode.dtype === "float32") return Math.fround(x);
  return x;
}

/** `a + b`. */
export function addS(a: Scalar, b: Scalar, mode: ArithMode): Scalar {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return roundFor(a + b, mode);
  return attempt(() => {
    const x = asQ(a);
    const y = asQ(b);
    if (x === null || y === null) return null;
    return normQ(add(mul(x.num, y.den), mul(y.num, x.den)), x.den * y.den);
  });
}

/** `-a`. */
export function negS(a: Scalar): Scalar {
  if (a === null) return null;
  if (typeof a === "number") return -a;
  return attempt(() => normQ(mul(a.num, -1), a.den));
}

/** `a - b`. */
export function subS(a: Scalar, b: Scalar, mode: ArithMode): Scalar {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return roundFor(a - b, mode);
  return addS(a, negS(b), mode);
}

/** `a * b` (symbolic only when one side is a concrete exact fraction). */
export function mulS(a: Scalar, b: Scalar, mode: ArithMode): Scalar {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return roundFor(a * b, mode);
  if (typeof a !== "number" && typeof b !== "number") return null; // H * W is not linear
  const [s, c] = typeof a === "number" ? [b as SymQ, a] : [a, b as number];
  if (c === 0) return 0;
  return attempt(() => {
    const f = fractionOf(c);
    if (f === null) return null;
    return normQ(mul(s.num, f.p), s.den * f.q);
  });
}

/**
 * `a / b`. Integer tensors truncate toward zero (ONNX Div on integers follows C++ `/`, as
 * onnxruntime and `onnx.reference` do); a symbolic numerator is divided with `floor` when it is
 * provably non-negative and with `ceil` when provably non-positive, else the result is unknown.
 * Division by zero is unknown.
 */
export function divS(a: Scalar, b: Scalar, mode: ArithMode): Scalar {
  if (a === null || b === null) return null;
  const integer = mode.dtype !== null && isIntegerType(mode.dtype);
  if (typeof b === "number" && b === 0) return null;
  if (typeof a === "number" && typeof b === "number") {
    if (integer) {
      if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return null;
      return (a - (a % b)) / b;
    }
    return roundFor(a / b, mode);
  }
  if (typeof b !== "number") {
    // c / H is not linear; H / H' only when both are the same expression.
    if (typeof a !== "number" && a.den === b.den && dimEquals(a.num, b.num)) return 1;
    return null;
  }
  const s = a as SymQ;
  if (integer) {
    if (!Number.isSafeInteger(b) || s.den !== 1) return null;
    return attempt(() => truncDiv(s.num, b));
  }
  return attempt(() => {
    const f = fractionOf(b);
    if (f === null) return null;
    return normQ(mul(s.num, f.q), s.den * f.p);
  });
}

function truncDiv(num: Dim, den: number): Scalar {
  const sign = signOf(num);
  const q = den > 0 ? num : mul(num, -1);
  const d = Math.abs(den);
  if (sign === "nonneg" || sign === "pos" || sign === "zero") return scalarOfDim(floorDiv(q, d) as Dim);
  // -floor(-q/d) reads better than the canonical form of ceil(q/d) for a negative q.
  if (sign === "nonpos" || sign === "neg") return scalarOfDim(mul(floorDiv(mul(q, -1), d), -1));
  return null;
}

/** `floor(a)`. */
export function floorS(a: Scalar): Scalar {
  if (a === null) return null;
  if (typeof a === "number") return Math.floor(a);
  return attempt(() => scalarOfDim(floorDiv(a.num, a.den)));
}

/** `ceil(a)`. */
export function ceilS(a: Scalar): Scalar {
  if (a === null) return null;
  if (typeof a === "number") return Math.ceil(a);
  return attempt(() => scalarOfDim(ceilDiv(a.num, a.den)));
}

/** Round half to even (ONNX Round). A symbolic half is never a tie when `den` is odd. */
export function roundS(a: Scalar): Scalar {
  if (a === null) return null;
  if (typeof a === "number") {
    const f = Math.floor(a);
    const r = a - f;
    if (r > 0.5) return f + 1;
    if (r < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  }
  if (a.den === 1) return a;
  if (a.den % 2 === 0) return null;
  return attempt(() => scalarOfDim(floorDiv(add(mul(a.num, 2), a.den), 2 * a.den)));
}

/** Truncation toward zero (Cast from float to an integer type). */
export function truncS(a: Scalar): Scalar {
  if (a === null) return null;
  if (typeof a === "number") return Number.isFinite(a) ? Math.trunc(a) : null;
  if (a.den === 1) return a;
  const sign = signOf(a.num);
  if (sign === "nonneg" || sign === "pos" || sign === "zero") return floorS(a);
  if (sign === "nonpos" || sign === "neg") return negS(floorS(negS(a)));
  return null;
}

/** `|a|`. */
export function absS(a: Scalar): Scalar {
  if (a === null) return null;
  if (typeof a === "number") return Math.abs(a);
  const sign = signOf(a.num);
  if (sign === "nonneg" || sign === "pos" || sign === "zero") return a;
  if (sign === "nonpos" || sign === "neg") return negS(a);
  return null;
}

/** `sign(a)` as -1, 0, 1. */
export function signS(a: Scalar): Scalar {
  if (a === null) return null;
  if (typeof a === "number") return Number.isNaN(a) ? null : Math.sign(a) + 0;
  const sign = signOf(a.num);
  return sign === "pos" ? 1 : sign === "neg" ? -1 : sign === "zero" ? 0 : null;
}

/** `max(a, b)`: symbolic integers use the dim algebra's `max`. */
export function maxS(a: Scalar, b: Scalar): Scalar {
  return minMaxS(a, b, "max");
}

/** `min(a, b)`. */
export function minS(a: Scalar, b: Scalar): Scalar {
  return minMaxS(a, b, "min");
}

function minMaxS(a: Scalar, b: Scalar, kind: "min" | "max"): Scalar {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return kind === "max" ? Math.max(a, b) : Math.min(a, b);
  const c = compareS(a, b);
  if (c === "lt" || c === "le" || c === "eq") return kind === "max" ? b : a;
  if (c === "gt" || c === "ge") return kind === "max" ? a : b;
  const x = dimOfScalar(a);
  const y = dimOfScalar(b);
  if (x === null || y === null) return null;
  return attempt(() => scalarOfDim(kind === "max" ? max(x, y) : min(x, y)));
}

/**
 * ONNX Mod on integers: `fmod = 0` takes the sign of the divisor (Python `%`), `fmod = 1` the
 * sign of the dividend (C `fmod`). Float tensors require `fmod = 1`.
 */
export function modS(a: Scalar, b: Scalar, fmod: boolean, mode: ArithMode): Scalar {
  if (a === null || b === null) return null;
  if (typeof b !== "number" || b === 0) return null;
  if (typeof a === "number") {
    if (fmod) return roundFor(a % b, mode);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return null;
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r;
  }
  if (a.den !== 1 || !Number.isSafeInteger(b)) return null;
  return attempt(() => {
    const m = Math.abs(b);
    if (!fmod) {
      // Python: result in [0, b) for b > 0, in (b, 0] for b < 0.
      if (b > 0) return scalarOfDim(modDim(a.num, m));
      return scalarOfDim(mul(modDim(mul(a.num, -1), m), -1));
    }
    const sign = signOf(a.num);
    if (sign === "nonneg" || sign === "pos" || sign === "zero") return scalarOfDim(modDim(a.num, m));
    if (sign === "nonpos" || sign === "neg") return scalarOfDim(mul(modDim(mul(a.num, -1), m), -1));
    return null;
  });
}

// ---------------------------------------------------------------------------------------------
// Comparisons and signs.

/** The sign of a dim as far as it can be proved over positive symbols. */
export type Sign = "pos" | "neg" | "zero" | "nonneg" | "nonpos" | "unknown";

/** Relation of two scalars as far as it can be proved. */
export type Relation = "lt" | "le" | "eq" | "ge" | "gt" | "ne" | "unknown";

/** Provable sign of a dim (symbols are positive integers). */
export function signOf(d: Dim): Sign {
  if (typeof d === "number") return d > 0 ? "pos" : d < 0 ? "neg" : "zero";
  const { lo, hi } = bounds(d);
  if (lo > 0) return "pos";
  if (hi < 0) return "neg";
  if (lo === 0 && hi === 0) return "zero";
  if (lo >= 0) return "nonneg";
  if (hi <= 0) return "nonpos";
  return "unknown";
}

/** Compare two scalars. */
export function compareS(a: Scalar, b: Scalar): Relation {
  if (a === null || b === null) return "unknown";
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) return "ne";
    return a < b ? "lt" : a > b ? "gt" : "eq";
  }
  const d = attempt(() => {
    const x = asQ(a);
    const y = asQ(b);
    if (x === null || y === null) return null;
    // sign(a - b) = sign(x.num*y.den - y.num*x.den), denominators are positive.
    return sub(mul(x.num, y.den), mul(y.num, x.den));
  });
  if (d === null) return "unknown";
  switch (signOf(d)) {
    case "pos":
      return "gt";
    case "neg":
      return "lt";
    case "zero":
      return "eq";
    case "nonneg":
      return "ge";
    case "nonpos":
      return "le";
    default:
      return "unknown";
  }
}

// Bounds of an expression over positive integer symbols: linear relaxation of every floor
// (`(N - d + 1)/d <= floor(N/d) <= N/d`) down to a rational linear form in the symbols, whose
// minimum over `s >= 1` is known when all coefficients have one sign.

interface Frac {
  n: number;
  d: number;
}

function frac(n: number, d = 1): Frac {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d)) throw new DimOverflowError("bound overflow");
  if (d < 0) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d) || 1;
  return { n: n / g, d: d / g };
}

function fadd(a: Frac, b: Frac): Frac {
  return frac(a.n * b.d + b.n * a.d, a.d * b.d);
}

function fmul(a: Frac, b: Frac): Frac {
  return frac(a.n * b.n, a.d * b.d);
}

interface LinForm {
  coefs: Map<string, Frac>;
  c: Frac;
}

function linScale(l: LinForm, k: Frac): LinForm {
  const coefs = new Map<string, Frac>();
  for (const [s, v] of l.coefs) coefs.set(s, fmul(v, k));
  return { coefs, c: fmul(l.c, k) };
}

function linAdd(a: LinForm, b: LinForm): LinForm {
  const coefs = new Map(a.coefs);
  for (const [s, v] of b.coefs) coefs.set(s, fadd(coefs.get(s) ?? frac(0), v));
  return { coefs, c: fadd(a.c, b.c) };
}

function linConst(x: Frac): LinForm {
  return { coefs: new Map(), c: x };
}

/** Most alternative linear bounds kept while relaxing (one per choice of min/max argument). */
const MAX_CANDIDATES = 16;

function sumCandidates(a: readonly LinForm[], b: readonly LinForm[]): LinForm[] {
  const out: LinForm[] = [];
  for (const x of a) for (const y of b) if (out.length < MAX_CANDIDATES) out.push(linAdd(x, y));
  return out;
}

/**
 * Linear forms `L` with `d >= L` (`side = "lo"`) or `d <= L` (`side = "hi"`); each is valid, and
 * the caller keeps the best. Empty when no bound is found. A `max` bounded from below (or a
 * `min` from above) may use any of its arguments, so each argument is a candidate.
 */
function relax(d: Dim, side: "lo" | "hi", depth: number): LinForm[] {
  if (typeof d === "number") return [linConst(frac(d))];
  if (depth > 8) return [];
  let acc: LinForm[] = [linConst(frac(d.c))];
  for (const t of d.terms) {
    const atomSide = t.coef > 0 ? side : side === "lo" ? "hi" : "lo";
    let pieces: LinForm[];
    const a = t.atom;
    if (a.kind === "sym") pieces = [{ coefs: new Map([[a.name, frac(1)]]), c: frac(0) }];
    else if (a.kind === "floor") {
      const inner = relax(a.num, atomSide, depth + 1);
      pieces = inner.map((l) => linScale(atomSide === "lo" ? linAdd(l, linConst(frac(-(a.den - 1)))) : l, frac(1, a.den)));
    } else if ((a.kind === "max" && atomSide === "lo") || (a.kind === "min" && atomSide === "hi")) {
      pieces = a.args.flatMap((x) => relax(x, atomSide, depth + 1)).slice(0, MAX_CANDIDATES);
    } else {
      // max from above / min from below: only a constant bound from the arguments' bounds.
      const argBounds = a.args.map((x) => bounds(x, depth + 1));
      const v = a.kind === "min" ? Math.min(...argBounds.map((b) => b.lo)) : Math.max(...argBounds.map((b) => b.hi));
      pieces = Number.isFinite(v) ? [linConst(frac(v))] : [];
    }
    if (pieces.length === 0) return [];
    acc = sumCandidates(acc, pieces.map((p) => linScale(p, frac(t.coef))));
  }
  return acc;
}

/** The integer bound of a linear form over symbols in `[1, inf)`: the value is an integer, so round inward. */
function extreme(l: LinForm, side: "lo" | "hi"): number {
  let acc = l.c;
  for (const v of l.coefs.values()) {
    if (v.n === 0) continue;
    if (side === "lo" ? v.n < 0 : v.n > 0) return side === "lo" ? -Infinity : Infinity;
    acc = fadd(acc, v);
  }
  return (side === "lo" ? -floorDivInt(-acc.n, acc.d) : floorDivInt(acc.n, acc.d)) + 0; // no -0
}

const boundsCache = new WeakMap<object, { lo: number; hi: number }>();

/** Integer bounds `[lo, hi]` of a dim over positive symbols (possibly infinite). */
export function bounds(d: Dim, depth = 0): { lo: number; hi: number } {
  if (typeof d === "number") return { lo: d, hi: d };
  // Expressions are immutable: the same object always has the same bounds (a bare symbol's are [1, inf)).
  if (depth === 0) {
    const hit = boundsCache.get(d);
    if (hit) return hit;
    const b = computeBounds(d, 0);
    boundsCache.set(d, b);
    return b;
  }
  return computeBounds(d, depth);
}

function computeBounds(d: Exclude<Dim, number>, depth: number): { lo: number; hi: number } {
  try {
    const lo = Math.max(-Infinity, ...relax(d, "lo", depth).map((l) => extreme(l, "lo")));
    const hi = Math.min(Infinity, ...relax(d, "hi", depth).map((h) => extreme(h, "hi")));
    return { lo, hi };
  } catch (e) {
    if (e instanceof DimOverflowError) return { lo: -Infinity, hi: Infinity };
    throw e;
  }
}

/** True when `d` is provably at least `k`. */
export function provablyAtLeast(d: Dim, k: number): boolean {
  return bounds(d).lo >= k;
}
