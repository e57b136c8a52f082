/**
 * Symbolic dims. A dim is an integer or an expression over named, positive integer symbols
 * (ONNX `dim_param`s, Keras `None` axes, `--input-shape` names), closed under `+`, `-`,
 * multiplication by a constant, floor/ceil division by a positive constant, `min` and `max`.
 *
 * Expressions are kept in a canonical form so that structural equality is a string compare:
 * a linear combination of atoms (symbols, `floor(N/d)`, `min`, `max`) plus a constant, terms
 * sorted by key. Inside `floor(N/d)` every coefficient and the constant lie in `[0, d)` (the
 * multiples of `d` are pulled out), common factors of the numerator and `d` are cancelled, and
 * `floor((floor(X/a) + c)/b)` becomes `floor((X + c*a)/(a*b))`, so `ceil(ceil(H/2)/2)` is
 * `ceil(H/4)`. All integer arithmetic is overflow-checked.
 *
 * Deciding `a == b` over the integers lives in `dim-compare.ts`.
 */
import { DimOverflowError, cadd, cmul, floorDivInt, gcd, modInt } from "./checked-int.js";

/** A symbol atom. */
export interface SymAtom {
  readonly kind: "sym";
  readonly name: string;
  readonly key: string;
}

/** `floor(num / den)` with `den >= 2` and `num` a non-constant canonical expression. */
export interface FloorAtom {
  readonly kind: "floor";
  readonly num: Expr;
  readonly den: number;
  readonly key: string;
}

/** `min(...args)` / `max(...args)` of at least two non-comparable arguments. */
export interface MinMaxAtom {
  readonly kind: "min" | "max";
  readonly args: readonly Dim[];
  readonly key: string;
}

/** A non-linear building block of an expression. */
export type Atom = SymAtom | FloorAtom | MinMaxAtom;

/** `coef * atom`, `coef != 0`. */
export interface Term {
  readonly coef: number;
  readonly atom: Atom;
}

/** A canonical non-constant expression: `sum(terms) + c`. Compare with {@link dimEquals}. */
export class Expr {
  /** Canonical text; equal expressions have equal keys. */
  readonly key: string;
  readonly terms: readonly Term[];
  readonly c: number;
  constructor(terms: readonly Term[], c: number) {
    this.terms = terms;
    this.c = c;
    this.key = formatLinear(terms, c);
  }
  toString(): string {
    return this.key;
  }
  toJSON(): string {
    return this.key;
  }
}

/** A dim: a concrete integer or a symbolic expression. */
export type Dim = number | Expr;

// ---------------------------------------------------------------------------------------------
// Linear forms: the mutable working representation.

interface Lin {
  terms: Map<string, { coef: number; atom: Atom }>;
  c: number;
}

function toLin(d: Dim): Lin {
  if (typeof d === "number") return { terms: new Map(), c: d };
  const terms = new Map<string, { coef: number; atom: Atom }>();
  for (const t of d.terms) terms.set(t.atom.key, { coef: t.coef, atom: t.atom });
  return { terms, c: d.c };
}

function fromLin(l: Lin): Dim {
  const terms: Term[] = [];
  for (const [, t] of [...l.terms].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (t.coef !== 0) terms.push({ coef: t.coef, atom: t.atom });
  }
  if (terms.length === 0) return l.c;
  return new Expr(terms, l.c);
}

function addInto(l: Lin, d: Dim, scale: number): void {
  if (typeof d === "number") {
    l.c = cadd(l.c, cmul(d, scale));
    return;
  }
  for (const t of d.terms) {
    const prev = l.terms.get(t.atom.key);
    const coef = cadd(prev ? prev.coef : 0, cmul(t.coef, scale));
    if (coef === 0) l.terms.delete(t.atom.key);
    else l.terms.set(t.atom.key, { coef, atom: t.atom });
  }
  l.c = cadd(l.c, cmul(d.c, scale));
}

// ---------------------------------------------------------------------------------------------
// Constructors and arithmetic.

/** The symbol `name` (a positive integer). */
export function sym(name: string): Dim {
  const atom: SymAtom = { kind: "sym", name, key: name };
  return new Expr([{ coef: 1, atom }], 0);
}

/** The dim `t.coef * t.atom` of one term of an expression. */
export function termDim(t: Term): Dim {
  return new Expr([t], 0);
}

/** True when `d` is a concrete integer. */
export function isConst(d: Dim | null | undefined): d is number {
  return typeof d === "number";
}

/** `a + b`. */
export function add(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return cadd(a, b);
  const l = toLin(a);
  addInto(l, b, 1);
  return fromLin(l);
}

/** `a - b`. */
export function sub(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return cadd(a, -b);
  const l = toLin(a);
  addInto(l, b, -1);
  return fromLin(l);
}

/** `k * a` for an integer constant `k`. */
export function mul(a: Dim, k: number): Dim {
  if (!Number.isInteger(k)) throw new DimOverflowError(`non-integer factor ${k}`);
  if (typeof a === "number") return cmul(a, k);
  if (k === 0) return 0;
  const l: Lin = { terms: new Map(), c: 0 };
  addInto(l, a, k);
  return fromLin(l);
}

/** `a * b` when at least one side is constant; `null` when the product is not linear. */
export function mulDims(a: Dim, b: Dim): Dim | null {
  if (typeof b === "number") return mul(a, b);
  if (typeof a === "number") return mul(b, a);
  return null;
}

/** `floor(a / den)` for a non-zero integer `den`. */
export function floorDiv(a: Dim, den: number): Dim {
  if (!Number.isInteger(den) || den === 0) throw new DimOverflowError(`division by ${den}`);
  if (den < 0) return floorDiv(mul(a, -1), -den);
  if (typeof a === "number") return floorDivInt(a, den);
  if (den === 1) return a;
  // Pull the multiples of den out of every coefficient and the constant.
  const outside: Lin = { terms: new Map(), c: floorDivInt(a.c, den) };
  const inside: Lin = { terms: new Map(), c: modInt(a.c, den) };
  for (const t of a.terms) {
    const q = floorDivInt(t.coef, den);
    const r = modInt(t.coef, den);
    if (q !== 0) outside.terms.set(t.atom.key, { coef: q, atom: t.atom });
    if (r !== 0) inside.terms.set(t.atom.key, { coef: r, atom: t.atom });
  }
  if (inside.terms.size === 0) return fromLin(outside); // 0 <= c < den: floor is 0
  // Cancel a common factor g of the coefficients and den: floor((gY + c)/(g d')) = floor((Y + floor(c/g))/d').
  let g = den;
  for (const [, t] of inside.terms) g = gcd(g, t.coef);
  let innerDen = den;
  if (g > 1) {
    for (const [k, t] of inside.terms) inside.terms.set(k, { coef: t.coef / g, atom: t.atom });
    inside.c = floorDivInt(inside.c, g);
    innerDen = den / g;
  }
  let atomDim: Dim;
  const only = inside.terms.size === 1 ? [...inside.terms.values()][0] : undefined;
  if (innerDen === 1) {
    atomDim = fromLin(inside);
  } else if (only && only.coef === 1 && only.atom.kind === "floor") {
    // floor((floor(X/a) + c)/b) = floor((X + c*a)/(a*b))
    atomDim = floorDiv(add(only.atom.num, cmul(inside.c, only.atom.den)), cmul(only.atom.den, innerDen));
  } else {
    const num = fromLin(inside);
    if (typeof num === "number") atomDim = floorDivInt(num, innerDen);
    else {
      const atom: FloorAtom = { kind: "floor", num, den: innerDen, key: formatFloor(num, innerDen) };
      atomDim = new Expr([{ coef: 1, atom }], 0);
    }
  }
  addInto(outside, atomDim, 1);
  return fromLin(outside);
}

/** `ceil(a / den)` for a non-zero integer `den`. */
export function ceilDiv(a: Dim, den: number): Dim {
  if (den < 0) return ceilDiv(mul(a, -1), -den);
  return floorDiv(add(a, den - 1), den);
}

/** `a mod k` (result in `[0, k)`), for a positive constant `k`. */
export function modDim(a: Dim, k: number): Dim {
  return sub(a, mul(floorDiv(a, k), k));
}

/** `floor(a / b)` when `b` is constant; `null` otherwise. */
export function floorDivDims(a: Dim, b: Dim): Dim | null {
  if (typeof b !== "number" || b === 0) return null;
  return floorDiv(a, b);
}

function minMax(kind: "min" | "max", args: readonly Dim[]): Dim {
  const flat: Dim[] = [];
  for (const a of args) {
    if (typeof a !== "number" && a.terms.length === 1 && a.c === 0 && a.terms[0]!.coef === 1 && a.terms[0]!.atom.kind === kind) {
      flat.push(...a.terms[0]!.atom.args);
    } else flat.push(a);
  }
  // Drop arguments that are dominated by another one at a constant distance.
  const kept: Dim[] = [];
  for (const a of flat) {
    let drop = false;
    for (let i = 0; i < kept.length; i++) {
      const diff = sub(a, kept[i]!);
      if (typeof diff === "number") {
        const aWins = kind === "min" ? diff < 0 : diff > 0;
        if (aWins) kept[i] = a;
        drop = true;
        break;
      }
    }
    if (!drop) kept.push(a);
  }
  // After replacements, dedupe again (a winner may now equal another kept arg).
  const uniq = new Map<string, Dim>();
  for (const a of kept) uniq.set(dimKey(a), a);
  const list = [...uniq.values()];
  if (list.length === 1) return list[0]!;
  const consts = list.filter((a): a is number => typeof a === "number");
  const syms = list.filter((a) => typeof a !== "number");
  const merged: Dim[] = [...syms];
  if (consts.length > 0) merged.push(kind === "min" ? Math.min(...consts) : Math.max(...consts));
  if (merged.length === 1) return merged[0]!;
  merged.sort((x, y) => (dimKey(x) < dimKey(y) ? -1 : 1));
  const key = `${kind}(${merged.map(formatDim).join(", ")})`;
  return new Expr([{ coef: 1, atom: { kind, args: merged, key } }], 0);
}

/** `min(a, b, ...)`. */
export function min(...args: Dim[]): Dim {
  if (args.length === 0) throw new Error("min of nothing");
  return minMax("min", args);
}

/** `max(a, b, ...)`. */
export function max(...args: Dim[]): Dim {
  if (args.length === 0) throw new Error("max of nothing");
  return minMax("max", args);
}

// ---------------------------------------------------------------------------------------------
// Inspection.

/** Canonical text of a dim; equal dims have equal keys. */
export function dimKey(d: Dim): string {
  return typeof d === "number" ? String(d) : d.key;
}

/** Structural equality of canonical forms (sufficient, not necessary, for numeric equality). */
export function dimEquals(a: Dim | null | undefined, b: Dim | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (typeof a === "number" || typeof b === "number") return a === b;
  return a.key === b.key;
}

/** The symbols a dim depends on. */
export function symbolsOf(d: Dim, into: Set<string> = new Set()): Set<string> {
  if (typeof d === "number") return into;
  for (const t of d.terms) atomSymbols(t.atom, into);
  return into;
}

function atomSymbols(a: Atom, into: Set<string>): void {
  if (a.kind === "sym") into.add(a.name);
  else if (a.kind === "floor") symbolsOf(a.num, into);
  else for (const x of a.args) symbolsOf(x, into);
}

/** Evaluate a dim at integer values of its symbols; throws when a symbol has no value. */
export function evalDim(d: Dim, env: ReadonlyMap<string, number> | Readonly<Record<string, number>>): number {
  if (typeof d === "number") return d;
  const get = (name: string): number => {
    const v = env instanceof Map ? env.get(name) : (env as Record<string, number>)[name];
    if (v === undefined) throw new Error(`no value for symbol ${name}`);
    return v;
  };
  let acc = d.c;
  for (const t of d.terms) acc = cadd(acc, cmul(t.coef, evalAtom(t.atom, get)));
  return acc;
}

function evalAtom(a: Atom, get: (name: string) => number): number {
  switch (a.kind) {
    case "sym":
      return get(a.name);
    case "floor":
      return floorDivInt(evalWith(a.num, get), a.den);
    case "min":
      return Math.min(...a.args.map((x) => evalWith(x, get)));
    case "max":
      return Math.max(...a.args.map((x) => evalWith(x, get)));
  }
}

function evalWith(d: Dim, get: (name: string) => number): number {
  if (typeof d === "number") return d;
  let acc = d.c;
  for (const t of d.terms) acc = cadd(acc, cmul(t.coef, evalAtom(t.atom, get)));
  return acc;
}

/** Replace symbols by dims (binding `H` to 64, or renaming `height` to `H`). */
export function substitute(d: Dim, env: ReadonlyMap<string, Dim>): Dim {
  if (typeof d === "number") return d;
  let acc: Dim = d.c;
  for (const t of d.terms) acc = add(acc, mul(substAtom(t.atom, env), t.coef));
  return acc;
}

function substAtom(a: Atom, env: ReadonlyMap<string, Dim>): Dim {
  switch (a.kind) {
    case "sym":
      return env.get(a.name) ?? new Expr([{ coef: 1, atom: a }], 0);
    case "floor":
      return floorDiv(substitute(a.num, env), a.den);
    case "min":
      return min(...a.args.map((x) => substitute(x, env)));
    case "max":
      return max(...a.args.map((x) => substitute(x, env)));
  }
}

/** Visit every atom of a dim, depth first. */
export function forEachAtom(d: Dim, fn: (a: Atom) => void): void {
  if (typeof d === "number") return;
  for (const t of d.terms) {
    fn(t.atom);
    if (t.atom.kind === "floor") forEachAtom(t.atom.num, fn);
    else if (t.atom.kind !== "sym") for (const x of t.atom.args) forEachAtom(x, fn);
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting.

/** Human-readable text: `2*H + 1`, `ceil(H/4)`, `floor((H + 2)/3)`, `min(H, 7)`. */
export function formatDim(d: Dim | null | undefined): string {
  if (d === null || d === undefined) return "?";
  return typeof d === "number" ? String(d) : d.key;
}

function formatAtom(a: Atom): string {
  return a.key;
}

function formatLinear(terms: readonly Term[], c: number): string {
  let out = "";
  for (const t of terms) {
    const body = formatAtom(t.atom);
    const abs = Math.abs(t.coef);
    const piece = abs === 1 ? body : `${abs}*${body}`;
    if (out === "") out = t.coef < 0 ? `-${piece}` : piece;
    else out += t.coef < 0 ? ` - ${piece}` : ` + ${piece}`;
  }
  if (c !== 0) out = out === "" ? String(c) : `${out} ${c < 0 ? "-" : "+"} ${Math.abs(c)}`;
  return out === "" ? "0" : out;
}

function formatFloor(num: Expr, den: number): string {
  // num.c is in [0, den): show ceil(N/den) when c == den - 1, as it reads better.
  const useCeil = num.c === den - 1 && den > 1;
  const inner = useCeil ? new Expr(num.terms, 0) : num;
  const single = inner.terms.length === 1 && inner.c === 0 && inner.terms[0]!.coef === 1;
  const text = single ? inner.key : `(${inner.key})`;
  return `${useCeil ? "ceil" : "floor"}(${text}/${den})`;
}
