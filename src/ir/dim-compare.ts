/**
 * Exact decision of `a == b` for symbolic dims over the positive integers.
 *
 * Every dim is built from `+`, `-`, `*const`, `floor(x/c)`, `min` and `max`. In one symbol such a
 * function is linear on each residue class modulo the period `P` (the product of its divisors,
 * along each nesting) once the symbol is past a threshold `T` after which every `min`/`max` has
 * settled on one branch. So `d = a - b` is decided by evaluating it exactly on `[from, T + 2P)`:
 * below `T` point by point, above `T` one class at a time (a class where `d` has slope 0 and value
 * 0 holds forever; a class with a non-zero slope holds at most once). The result names the residue
 * classes where the equality holds (`H % 8 == 0`), the smallest failing and holding sizes.
 *
 * With several symbols the difference usually separates into one part per symbol (height and width
 * axes); then the equality holds everywhere iff each part is constant, and the conditions combine.
 */
import { DimOverflowError, lcm } from "./checked-int.js";
import { type Dim, type Expr, add, evalDim, forEachAtom, formatDim, isConst, sub, symbolsOf, termDim } from "./dim.js";

/** How an equality behaves over the symbols' domain. */
export type Verdict = "always" | "never" | "sometimes" | "unknown";

/** The set of sizes of one symbol on which an equality holds. */
export interface SymbolCondition {
  readonly symbol: string;
  /** Sizes from `from` upward follow the residue pattern exactly. */
  readonly from: number;
  /** Smallest modulus describing the pattern (1 = every size from `from` on). */
  readonly modulus: number;
  /** Residues mod `modulus` on which the equality holds for sizes >= `from`. */
  readonly residues: readonly number[];
  /** Sizes outside the residue pattern (below `from`, or isolated) where it holds. */
  readonly extra: readonly number[];
  /** Smallest admissible size of the symbol (the domain start). */
  readonly domainFrom: number;
}

/** Result of {@link compareDims}. */
export interface Comparison {
  readonly verdict: Verdict;
  /** Human-readable condition under which the equality holds, e.g. `H % 8 == 0`; `true`/`false` for always/never. */
  readonly condition: string;
  /** Per-symbol conditions (for one-symbol and separable differences). */
  readonly symbols: readonly SymbolCondition[];
  /** Smallest sizes (per symbol) where the two dims differ; `null` if none (always). */
  readonly smallestFailing: Readonly<Record<string, number>> | null;
  /** Smallest sizes where they agree; `null` if none (never). */
  readonly smallestHolding: Readonly<Record<string, number>> | null;
}

/** Options of {@link compareDims}. */
export interface CompareOptions {
  /** Smallest admissible value per symbol (default 1: sizes are positive). */
  readonly from?: Readonly<Record<string, number>>;
  /** Largest number of evaluations per symbol before giving up with `unknown` (default 200000). */
  readonly budget?: number;
}

/** Decide `a == b` for all admissible values of the symbols. */
export function compareDims(a: Dim, b: Dim, options: CompareOptions = {}): Comparison {
  let d: Dim;
  try {
    d = sub(a, b);
  } catch (e) {
    if (e instanceof DimOverflowError) return unknown();
    throw e;
  }
  return decideZero(d, options);
}

/** Decide `d == 0` for all admissible values of its symbols. */
export function decideZero(d: Dim, options: CompareOptions = {}): Comparison {
  if (isConst(d)) {
    return d === 0
      ? { verdict: "always", condition: "true", symbols: [], smallestFailing: null, smallestHolding: {} }
      : { verdict: "never", condition: "false", symbols: [], smallestFailing: {}, smallestHolding: null };
  }
  const syms = [...symbolsOf(d)].sort();
  const parts = separate(d, syms);
  if (parts === null) return multiVariate(d, syms, options);
  if (syms.length === 1) {
    const s = syms[0]!;
    const analysis = analyse((n) => evalDim(d, { [s]: n }), d, s, options);
    if (analysis === null) return unknown();
    return fromSingle(s, analysis);
  }
  // Separable: d = sum_s f_s(s) + c with each f_s depending on one symbol.
  const analyses = new Map<string, Analysis>();
  for (const s of syms) {
    const f = parts.get(s)!;
    const from = options.from?.[s] ?? 1;
    const base = evalDim(f, { [s]: from });
    const a = analyse((n) => evalDim(f, { [s]: n }) - base, f, s, options);
    if (a === null) return unknown();
    analyses.set(s, a);
  }
  const allConstant = [...analyses.values()].every((a) => a.verdict === "always");
  const valueAtFrom = evalDim(d, Object.fromEntries(syms.map((s) => [s, options.from?.[s] ?? 1])));
  if (allConstant) {
    return valueAtFrom === 0
      ? { verdict: "always", condition: "true", symbols: [], smallestFailing: null, smallestHolding: Object.fromEntries(syms.map((s) => [s, options.from?.[s] ?? 1])) }
      : { verdict: "never", condition: "false", symbols: [], smallestFailing: Object.fromEntries(syms.map((s) => [s, options.from?.[s] ?? 1])), smallestHolding: null };
  }
  // Parts whose own value is a constant cannot help; if exactly one part varies, solve that part.
  const varying = syms.filter((s) => analyses.get(s)!.verdict !== "always");
  if (varying.length === 1) {
    const s = varying[0]!;
    const others = Object.fromEntries(syms.filter((x) => x !== s).map((x) => [x, options.from?.[x] ?? 1]));
    const a = analyse((n) => evalDim(d, { ...others, [s]: n }), d, s, options);
    if (a === null) return unknown();
    const single = fromSingle(s, a);
    const fill = (r: Readonly<Record<string, number>> | null) => (r === null ? null : { ...others, ...r });
    return { ...single, smallestFailing: fill(single.smallestFailing), smallestHolding: fill(single.smallestHolding) };
  }
  // Several varying parts (e.g. H == W): the equality couples the symbols.
  return {
    verdict: "sometimes",
    condition: `${formatDim(d)} == 0`,
    symbols: [],
    smallestFailing: findPoint(d, syms, options, false),
    smallestHolding: findPoint(d, syms, options, true),
  };
}

/**
 * Smallest value of `symbol` from which every dim in `dims` is at least its minimum (the smallest
 * size for which a graph runs at all). Dims depending on other symbols are evaluated with those at
 * their `others` values (default 1... callers pass a generous size). `null` when no size up to the
 * budget works.
 */
export function smallestSatisfying(constraints: readonly { dim: Dim; min: number }[], symbol: string, others: Readonly<Record<string, number>> = {}, budget = 1_000_000): number | null {
  const relevant = constraints.filter((c) => symbolsOf(c.dim).has(symbol));
  if (relevant.length === 0) return 1;
  let period = 1;
  let threshold = 0;
  for (const c of relevant) {
    const { period: p, crossing } = periodAndThreshold(c.dim);
    period = lcm(period, p);
    threshold = Math.max(threshold, crossing + Math.abs(c.min) * p);
  }
  const limit = Math.min(budget, threshold + 4 * period + 1);
  const ok = (n: number) => relevant.every((c) => evalDim(c.dim, { ...others, [symbol]: n }) >= c.min);
  // Conv/pool/crop sizes are non-decreasing in their input, so the first size that works is
  // the smallest size for which the graph runs.
  for (let n = 1; n <= limit; n++) if (ok(n)) return n;
  return null;
}

// ---------------------------------------------------------------------------------------------

interface Analysis {
  readonly verdict: Verdict;
  readonly domainFrom: number;
  readonly from: number;
  readonly modulus: number;
  readonly residues: readonly number[];
  readonly extra: readonly number[];
  readonly smallestFailing: number | null;
  readonly smallestHolding: number | null;
}

function unknown(): Comparison {
  return { verdict: "unknown", condition: "unknown", symbols: [], smallestFailing: null, smallestHolding: null };
}

/**
 * Period and threshold bound of a one-symbol expression: the period multiplies the divisors along
 * each nesting; the threshold bounds where min/max branches settle: a branch difference `αn + β`
 * with `|α| >= 1/P` changes sign only below `|β|·P`, and `|β|` is bounded by the constants and
 * the floor rounding errors.
 */
function periodAndThreshold(d: Dim): { period: number; threshold: number; crossing: number } {
  let period = 1;
  let constants = 0;
  let floors = 0;
  let hasMinMax = false;
  const visitLinear = (e: Dim) => {
    if (!isConst(e)) {
      constants += Math.abs(e.c);
      for (const t of e.terms) floors += Math.abs(t.coef);
    } else constants += Math.abs(e);
  };
  visitLinear(d);
  forEachAtom(d, (a) => {
    if (a.kind === "floor") {
      period = lcm(period, a.den * innerPeriod(a.num));
      visitLinear(a.num);
    } else if (a.kind === "min" || a.kind === "max") {
      hasMinMax = true;
      for (const x of a.args) visitLinear(x);
    }
  });
  // `crossing` bounds where any branch or the whole function changes sign; `threshold` is only
  // needed when min/max branches exist (floor-linear functions are exactly periodic-linear).
  const crossing = (constants + floors + 2) * period;
  const threshold = hasMinMax ? crossing : 0;
  return { period, threshold, crossing };
}

function innerPeriod(e: Expr): number {
  let p = 1;
  forEachAtom(e, (a) => {
    if (a.kind === "floor") p = lcm(p, a.den * innerPeriod(a.num));
  });
  return p;
}

function analyse(f: (n: number) => number, d: Dim, s: string, options: CompareOptions): Analysis | null {
  const budget = options.budget ?? 200_000;
  const from = options.from?.[s] ?? 1;
  let { period, threshold } = periodAndThreshold(d);
  if (period > budget) return null;
  threshold = Math.max(threshold, from);
  if (threshold + 3 * period > from + budget) return null;
  const end = threshold + 3 * period;
  const values = new Map<number, number>();
  const at = (n: number): number => {
    let v = values.get(n);
    if (v === undefined) {
      v = f(n);
      values.set(n, v);
    }
    return v;
  };
  // Per residue class above the threshold: slope over one period, checked to be linear.
  const holdsClass: boolean[] = [];
  const isolated: number[] = [];
  for (let r = 0; r < period; r++) {
    const n0 = threshold + ((r - (threshold % period)) % period + period) % period;
    const v0 = at(n0);
    const v1 = at(n0 + period);
    const v2 = at(n0 + 2 * period);
    if (v2 - v1 !== v1 - v0) return null; // not yet linear: the threshold bound was wrong
    const slope = v1 - v0;
    holdsClass[n0 % period] = slope === 0 && v0 === 0;
    if (slope !== 0 && -v0 % slope === 0 && -v0 / slope >= 0) isolated.push(n0 + (-v0 / slope) * period);
  }
  // Smallest modulus m | period describing the pattern.
  let modulus = period;
  for (let m = 1; m <= period; m++) {
    if (period % m !== 0) continue;
    let ok = true;
    for (let r = 0; r < period && ok; r++) if (holdsClass[r] !== holdsClass[r % m]) ok = false;
    if (ok) {
      modulus = m;
      break;
    }
  }
  const residues: number[] = [];
  for (let r = 0; r < modulus; r++) if (holdsClass[r]) residues.push(r);
  const classHolds = (n: number) => holdsClass[n % period] === true;
  // Walk down from the threshold to find where the pattern really starts.
  let start = threshold;
  while (start > from && (at(start - 1) === 0) === classHolds(start - 1)) start--;
  if (holdsClass.some(Boolean)) while (!classHolds(start)) start++;
  const extra: number[] = [];
  for (let n = from; n < start; n++) if (at(n) === 0) extra.push(n);
  const isolatedAbove = isolated.filter((n) => n >= start).sort((x, y) => x - y);
  extra.push(...isolatedAbove.filter((n) => !classHolds(n)));
  extra.sort((x, y) => x - y);
  let smallestFailing: number | null = null;
  let smallestHolding: number | null = null;
  for (let n = from; n < end && (smallestFailing === null || smallestHolding === null); n++) {
    if (at(n) === 0) smallestHolding ??= n;
    else smallestFailing ??= n;
  }
  const anyClass = residues.length > 0;
  const allClasses = modulus === 1 && anyClass;
  let verdict: Verdict;
  if (allClasses && extra.length === 0 && start === from) verdict = "always";
  else if (!anyClass && extra.length === 0) verdict = "never";
  else verdict = "sometimes";
  return { verdict, domainFrom: from, from: start, modulus, residues, extra, smallestFailing, smallestHolding };
}

function fromSingle(s: string, a: Analysis): Comparison {
  const sc: SymbolCondition = { symbol: s, from: a.from, modulus: a.modulus, residues: a.residues, extra: a.extra, domainFrom: a.domainFrom };
  return {
    verdict: a.verdict,
    condition: a.verdict === "always" ? "true" : a.verdict === "never" ? "false" : describeCondition(sc),
    symbols: [sc],
    smallestFailing: a.smallestFailing === null ? null : { [s]: a.smallestFailing },
    smallestHolding: a.smallestHolding === null ? null : { [s]: a.smallestHolding },
  };
}

/** Text of a one-symbol condition: `H % 8 == 0`, `H % 4 in {1, 3} and H >= 9`, `H <= 7`, `H == 5`. */
export function describeCondition(c: SymbolCondition): string {
  const { symbol: s, modulus, residues, extra, from, domainFrom } = c;
  const parts: string[] = [];
  // Runs of consecutive exceptional sizes read better as ranges.
  for (let k = 0; k < extra.length; ) {
    let j = k;
    while (j + 1 < extra.length && extra[j + 1] === extra[j]! + 1) j++;
    const lo = extra[k]!;
    const hi = extra[j]!;
    if (lo === hi) parts.push(`${s} == ${lo}`);
    else if (lo === domainFrom) parts.push(`${s} <= ${hi}`);
    else parts.push(`${lo} <= ${s} <= ${hi}`);
    k = j + 1;
  }
  if (residues.length > 0) {
    // The bound matters only when it cuts off a size of a holding residue class.
    let cuts = false;
    for (let n = domainFrom; n < from && !cuts; n++) if (residues.includes(n % modulus) && !extra.includes(n)) cuts = true;
    const bound = cuts ? `${s} >= ${from}` : "";
    let main: string;
    if (modulus === 1) main = bound || "true";
    else {
      let res: string;
      if (residues.length === 1) res = `${s} % ${modulus} == ${residues[0]}`;
      else if (residues.length === modulus - 1) {
        const missing = [...Array(modulus).keys()].find((r) => !residues.includes(r))!;
        res = `${s} % ${modulus} != ${missing}`;
      } else res = `${s} % ${modulus} in {${residues.join(", ")}}`;
      main = bound ? `${res} and ${bound}` : res;
    }
    parts.unshift(main);
  }
  return parts.length === 0 ? "false" : parts.join(" or ");
}

/** Split `d` into per-symbol parts when no atom mixes symbols; `null` otherwise. */
function separate(d: Expr, syms: readonly string[]): Map<string, Dim> | null {
  const parts = new Map<string, Dim>(syms.map((s) => [s, 0]));
  for (const t of d.terms) {
    const term = termDim(t);
    const atomSyms = symbolsOf(term);
    if (atomSyms.size !== 1) return null;
    const s = [...atomSyms][0]!;
    parts.set(s, add(parts.get(s)!, term));
  }
  return parts;
}

function multiVariate(d: Dim, syms: readonly string[], options: CompareOptions): Comparison {
  const holding = findPoint(d, syms, options, true);
  const failing = findPoint(d, syms, options, false);
  if (holding === null && failing !== null) return { ...unknown(), smallestFailing: failing };
  return { verdict: holding && failing ? "sometimes" : "unknown", condition: `${formatDim(d)} == 0`, symbols: [], smallestFailing: failing, smallestHolding: holding };
}

/** Smallest point (by sum, then lexicographic) in a small grid where `d == 0` (or `!= 0`). */
function findPoint(d: Dim, syms: readonly string[], options: CompareOptions, zero: boolean): Record<string, number> | null {
  const span = syms.length <= 2 ? 64 : syms.length === 3 ? 16 : 6;
  const from = syms.map((s) => options.from?.[s] ?? 1);
  let best: Record<string, number> | null = null;
  let bestSum = Infinity;
  const idx = new Array<number>(syms.length).fill(0);
  for (;;) {
    const env: Record<string, number> = {};
    let sum = 0;
    syms.forEach((s, k) => {
      env[s] = from[k]! + idx[k]!;
      sum += idx[k]!;
    });
    if (sum < bestSum && (evalDim(d, env) === 0) === zero) {
      best = env;
      bestSum = sum;
    }
    let k = 0;
    while (k < syms.length && ++idx[k]! >= span) idx[k++] = 0;
    if (k === syms.length) break;
  }
  return best;
}

/** True when size `n` satisfies a one-symbol condition. */
export function conditionHolds(c: SymbolCondition, n: number): boolean {
  if (n < c.domainFrom) return false;
  if (c.extra.includes(n)) return true;
  return n >= c.from && c.residues.includes(n % c.modulus);
}

/**
 * The exact intersection of one-symbol conditions (every merge must agree, every output must
 * match, every size must be positive): periodic with the lcm of the moduli past the largest
 * start, so it is computed by evaluation over one period and described like a single condition.
 */
export function intersectConditions(symbol: string, conds: readonly SymbolCondition[], domainFrom = 1): SymbolCondition | null {
  let period = 1;
  let start = domainFrom;
  let maxExtra = 0;
  for (const c of conds) {
    period = lcm(period, c.modulus);
    start = Math.max(start, c.from);
    for (const e of c.extra) maxExtra = Math.max(maxExtra, e);
    if (period > 100_000) return null;
  }
  start = Math.max(start, maxExtra + 1);
  const holds = (n: number) => n >= domainFrom && conds.every((c) => conditionHolds(c, n));
  const classes: boolean[] = [];
  for (let n = start; n < start + period; n++) classes[n % period] = holds(n);
  let modulus = period;
  for (let m = 1; m <= period; m++) {
    if (period % m !== 0) continue;
    let ok = true;
    for (let r = 0; r < period && ok; r++) if (classes[r] !== classes[r % m]) ok = false;
    if (ok) {
      modulus = m;
      break;
    }
  }
  const residues: number[] = [];
  for (let r = 0; r < modulus; r++) if (classes[r]) residues.push(r);
  let from = start;
  while (from > domainFrom && holds(from - 1) === (classes[(from - 1) % period] === true)) from--;
  // Report the bound as the first size that holds (H >= 32, not the equivalent H >= 17).
  if (residues.length > 0) while (!classes[from % period]) from++;
  const extra: number[] = [];
  for (let n = domainFrom; n < from; n++) if (holds(n)) extra.push(n);
  return { symbol, from, modulus, residues, extra, domainFrom };
}

/** The smallest size satisfying a condition, or `null` when none does. */
export function smallestHolding(c: SymbolCondition): number | null {
  if (c.extra.length > 0) return c.extra[0]!;
  if (c.residues.length === 0) return null;
  for (let n = c.from; n < c.from + c.modulus; n++) if (c.residues.includes(n % c.modulus)) return n;
  return null;
}

/** The smallest admissible size failing a condition, or `null` when every size satisfies it. */
export function smallestFailing(c: SymbolCondition): number | null {
  for (let n = c.domainFrom; n < c.from + c.modulus + 1; n++) if (!conditionHolds(c, n)) return n;
  return null;
}

/** The sizes (at or above the domain start) where a condition does not hold. */
export function complementCondition(c: SymbolCondition): SymbolCondition {
  const residues: number[] = [];
  for (let r = 0; r < c.modulus; r++) if (!c.residues.includes(r)) residues.push(r);
  const inComplement = (n: number) => !conditionHolds(c, n);
  // Past the last exceptional size the complement follows its residue pattern; walk the start
  // down while the pattern still describes every size, so `H % 8 != 0` needs no `or H <= 7`.
  let from = Math.max(c.from, ...c.extra.map((n) => n + 1));
  while (from > c.domainFrom && inComplement(from - 1) === residues.includes((from - 1) % c.modulus)) from--;
  const extra: number[] = [];
  for (let n = c.domainFrom; n < from; n++) if (inComplement(n)) extra.push(n);
  return { symbol: c.symbol, from, modulus: c.modulus, residues, extra, domainFrom: c.domainFrom };
}

/** Join condition texts with `and`/`or`, parenthesising parts that contain the other connective. */
export function joinConditions(parts: readonly string[], op: "and" | "or"): string {
  const other = op === "and" ? " or " : " and ";
  const list = parts.filter((p) => p !== (op === "and" ? "true" : "false"));
  if (list.length === 0) return op === "and" ? "true" : "false";
  return list.length === 1 ? list[0]! : list.map((p) => (p.includes(other) ? `(${p})` : p)).join(` ${op} `);
}
