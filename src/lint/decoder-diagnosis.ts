/**
 * From an output that does not have the size it should, to the layer to change and the change:
 * 1. the earliest unrepaired pop (a decoder layer that did not give back its level's size) is
 *    fixed to its level's size, and the fix is kept when re-propagation restores the output;
 * 2. otherwise each size-increasing layer on the path is tried with every legal output size;
 * 3. otherwise no single change exists, and the finding states for which input sizes it works.
 * Mismatches are taken one at a time: after a confirmed fix the graph is analysed again, so one
 * root cause gives one finding, not one per layer downstream of it.
 */
import type { Comparison } from "../ir/dim-compare.js";
import { type Dim, isConst, sub, substitute } from "../ir/dim.js";
import type { Node } from "../ir/graph.js";
import { convTransposeLegalRange, effectiveKernel } from "../shapes/conv-geometry.js";
import { type InputBinding, type ShapeResult, freshSymbolName, propagate } from "../shapes/propagate.js";
import { type NodeFix, bindingsOf, proposeNodeFix, repropagate } from "./fixes.js";
import { attrInts, attrString, attrValue, perAxis, wellFormed } from "./node-attrs.js";
import { type OutputMismatch, type PairingOptions, type ResampleStep, analysePairing, formatTrail, spatialAxes } from "./pairing.js";

/** A diagnosed output mismatch. */
export interface DecoderDiagnosis {
  readonly mismatch: OutputMismatch;
  /** The layer to change (or, without a fix, the first layer that missed its size). */
  readonly blamed: Node | undefined;
  /** The encoder layer whose level the blamed layer mirrors, if any. */
  readonly encoder: Node | undefined;
  /** The changes, in order (usually one layer; two when no single layer can do it). */
  readonly fixes: readonly NodeFix[];
  /** True when re-propagating the fixed copy restores the output. */
  readonly confirmed: boolean | null;
  readonly trail: string;
  /** The trail after the fix, e.g. `4 -> 7 -> 14 -> 28`. */
  readonly trailAfter: string | null;
  /** When no single change exists: the input sizes for which the output is right. */
  readonly worksFor: Comparison | null;
}

function resolves(before: OutputMismatch, fixed: ShapeResult, options: PairingOptions, contradictionsBefore: number): boolean {
  if (fixed.contradictions.length > contradictionsBefore) return false;
  const again = analysePairing(fixed, options);
  return !again.mismatches.some((m) => m.output === before.output);
}

function trailAfterFix(fixed: ShapeResult, mismatch: OutputMismatch, options: PairingOptions, from: Node): string | null {
  const again = analysePairing(fixed, options);
  const state = again.states.get(mismatch.output);
  if (!state) return null;
  const idx = state.trail.findIndex((s) => s.node.name === from.name);
  const tail = idx >= 0 ? state.trail.slice(idx).filter((s) => s.direction === "up") : [];
  if (tail.length === 0) return null;
  return formatTrail(tail.map((s, k) => (k === 0 ? s : { ...s, direction: "up" as const }))).replace(/^(\S+) \| /, "$1 -> ");
}

/** Legal alternative spatial outputs of a size-increasing layer, per axis (concrete sizes only). */
function alternatives(result: ShapeResult, step: ResampleStep): number[][] | null {
  const node = step.node;
  if (!step.inSpatial.every(isConst)) return null;
  const n = step.inSpatial.length;
  const out: number[][] = [];
  if (node.domain === "" && node.opType === "ConvTranspose") {
    const w = result.values.get(node.inputs[1] ?? "");
    const kernel = attrInts(node, "kernel_shape") ?? (w?.shape?.slice(2) as number[] | undefined) ?? [];
    const strides = attrInts(node, "strides") ?? new Array<number>(n).fill(1);
    const dil = attrInts(node, "dilations") ?? new Array<number>(n).fill(1);
    const pads = attrInts(node, "pads") ?? new Array<number>(2 * n).fill(0);
    // A malformed node (short lists, non-positive sizes) is the shape function's to report.
    if (!wellFormed(kernel, n, 1) || !wellFormed(strides, n, 1) || !wellFormed(dil, n, 1) || !wellFormed(pads, 2 * n, 0)) return null;
    for (let a = 0; a < n; a++) {
      const r = convTransposeLegalRange(step.inSpatial[a]!, kernel[a]!, strides[a]!, dil[a]!, { kind: "explicit", total: pads[a]! + pads[a + n]! });
      if (!isConst(r.lo) || !isConst(r.hi)) return null;
      const vals: number[] = [];
      for (let v = r.lo; v <= r.hi; v++) vals.push(v);
      out.push(vals);
    }
    return out;
  }
  if (node.domain === "keras" && /^Conv[123]DTranspose$/.test(node.opType)) {
    const kernel = perAxis(attrValue(node, "kernel_size"), n, 1);
    const strides = perAxis(attrValue(node, "strides"), n, 1);
    const dil = perAxis(attrValue(node, "dilation_rate"), n, 1);
    if (!wellFormed(kernel, n, 1) || !wellFormed(strides, n, 1) || !wellFormed(dil, n, 1)) return null;
    const padding = attrString(node, "padding") === "same" ? "same" : "valid";
    for (let a = 0; a < n; a++) {
      const i = step.inSpatial[a] as number;
      const s = strides[a]!;
      const ek = effectiveKernel(kernel[a]!, dil[a]!);
      const lo = padding === "same" ? s * (i - 1) + (ek % 2) : s * (i - 1) + ek;
      const vals: number[] = [];
      for (let op = 0; op < s; op++) vals.push(lo + op);
      out.push(vals);
    }
    return out;
  }
  return null;
}

function* combinations(lists: readonly number[][], limit = 256): Generator<number[]> {
  let count = 0;
  const idx = lists.map(() => 0);
  for (;;) {
    if (count++ >= limit) return;
    yield idx.map((i, k) => lists[k]![i]!);
    let k = 0;
    while (k < lists.length && ++idx[k]! >= lists[k]!.length) idx[k++] = 0;
    if (k === lists.length) return;
  }
}

/**
 * The input sizes for which an output comes out right: bind the origin input's spatial axes to
 * fresh symbols and decide the output equality over them.
 */
function sizesThatWork(result: ShapeResult, mismatch: OutputMismatch, options: PairingOptions): Comparison | null {
  if (!mismatch.origin) return null;
  const info = result.values.get(mismatch.origin);
  if (!info?.shape) return null;
  const keras = result.model.format === "keras";
  const axes = new Set(spatialAxes(info.shape.length, keras));
  const binding = info.shape.map((d, k) => {
    if (axes.has(k)) return freshSymbolName(mismatch.origin!, k).replace(/_d(\d+)$/, (_, n: string) => (axes.size <= 3 ? ["H", "W", "D"][[...axes].indexOf(Number(n))] ?? `S${n}` : `S${n}`));
    return d !== null && isConst(d) ? d : null;
  });
  try {
    const inputShapes = bindingsOf(result);
    inputShapes.set(mismatch.origin, binding);
    const symbolic = propagate(result.model, { inputShapes });
    const again = analysePairing(symbolic, options.expectOutput ? { expectOutput: options.expectOutput } : {});
    const m = again.mismatches.find((x) => x.output === mismatch.output);
    return m ? m.comparison : null;
  } catch {
    return null;
  }
}

/** The spatial sizes an output must have, from the mismatch (reconstruction) or the expected shape. */
function targetSpatial(result: ShapeResult, m: OutputMismatch): Dim[] | null {
  if (m.kind === "reconstruction") return [...m.expected];
  const shape = result.values.get(m.output)?.shape;
  if (!shape) return null;
  const axes = spatialAxes(shape.length, result.model.format === "keras");
  const out: Dim[] = [];
  for (const a of axes) {
    const k = m.axes.indexOf(a);
    if (k < 0) return null;
    out.push(m.expected[k]!);
  }
  return out.length ? out : null;
}

interface Applied {
  readonly fix: NodeFix;
  readonly fixed: ShapeResult;
}

/** Apply a proposed fix and keep it when re-propagation resolves the mismatch. */
function tryFix(result: ShapeResult, mismatch: OutputMismatch, options: PairingOptions, base: number, fix: NodeFix | null): Applied | null {
  if (!fix?.model) return null;
  const fixed = repropagate(result, fix.model);
  return fixed && resolves(mismatch, fixed, options, base) ? { fix, fixed } : null;
}

/** The up-steps of the mismatch's path as they are in `result` (node identity changes after a fix). */
function upSteps(result: ShapeResult, mismatch: OutputMismatch, options: PairingOptions): ResampleStep[] {
  const again = analysePairing(result, options);
  const state = again.states.get(mismatch.output);
  return (state?.trail ?? mismatch.trail).filter((s) => s.direction === "up");
}

/** Single-layer candidates: each legal alternative size, then the output's target on each layer (last first). */
function* singleCandidates(result: ShapeResult, steps: readonly ResampleStep[], target: readonly Dim[] | null): Generator<NodeFix> {
  for (const step of steps) {
    const alts = alternatives(result, step);
    if (!alts) continue;
    for (const t of combinations(alts)) {
      if (t.every((v, k) => v === step.outSpatial[k])) continue;
      const fix = proposeNodeFix(result, step.node, step.outSpatial, t);
      if (fix) yield fix;
    }
  }
  if (target) {
    for (const step of [...steps].reverse()) {
      if (step.outSpatial.length !== target.length) continue;
      const fix = proposeNodeFix(result, step.node, step.outSpatial, target);
      if (fix) yield fix;
    }
  }
}

function diagnoseOne(result: ShapeResult, mismatch: OutputMismatch, options: PairingOptions): DecoderDiagnosis {
  const trail = formatTrail(mismatch.trail);
  const base = result.contradictions.length;
  const target = targetSpatial(result, mismatch);
  const found = (fixes: NodeFix[], fixed: ShapeResult, blamed: Node, encoder: Node | undefined): DecoderDiagnosis => ({
    mismatch,
    blamed,
    encoder,
    fixes,
    confirmed: true,
    trail,
    trailAfter: trailAfterFix(fixed, mismatch, options, fixes[0]!.node),
    worksFor: null,
  });
  const levelOf = (node: Node) => mismatch.misses.find((m) => m.pop.node === node)?.level.step.node;
  // 1. The earliest unrepaired pop, fixed to its level's size.
  for (const miss of mismatch.misses) {
    const fix = proposeNodeFix(result, miss.pop.node, miss.actual, miss.expected);
    if (!fix) continue;
    if (fix.model === null) {
      return { mismatch, blamed: miss.pop.node, encoder: miss.level.step.node, fixes: [fix], confirmed: null, trail, trailAfter: null, worksFor: null };
    }
    const ok = tryFix(result, mismatch, options, base, fix);
    if (ok) return found([ok.fix], ok.fixed, miss.pop.node, miss.level.step.node);
  }
  // 2. A stride-1 layer of the decoder that trims the borders (a convolution with too little
  // padding after the first upsampler): give it the padding that keeps its size.
  const firstUp = mismatch.trail.findIndex((s) => s.direction === "up");
  const trims = mismatch.trail.filter((s, k) => s.direction === "adjust" && (firstUp < 0 || k > firstUp) && s.outSpatial.some((d, a) => isConst(sub(d, s.inSpatial[a]!)) && (sub(d, s.inSpatial[a]!) as number) < 0));
  for (const step of trims) {
    const ok = tryFix(result, mismatch, options, base, proposeNodeFix(result, step.node, step.outSpatial, step.inSpatial));
    if (ok) return found([ok.fix], ok.fixed, step.node, undefined);
  }
  // 3. One size-increasing layer on the path: each legal size, or the output's target (which
  // may also mean another padding mode, e.g. a Keras transposed conv back to "same").
  const steps = mismatch.trail.filter((s) => s.direction === "up");
  for (const fix of singleCandidates(result, steps, target)) {
    const ok = tryFix(result, mismatch, options, base, fix);
    if (ok) return found([ok.fix], ok.fixed, fix.node, levelOf(fix.node));
  }
  // 4. The last size-changing layer made to produce the target outright (a final conv with the
  // wrong padding in a generator).
  const last = [...mismatch.trail].reverse().find((s) => s.direction === "adjust");
  if (last && target && last.outSpatial.length === target.length) {
    const ok = tryFix(result, mismatch, options, base, proposeNodeFix(result, last.node, last.outSpatial, target));
    if (ok) return found([ok.fix], ok.fixed, last.node, undefined);
  }
  // 5. Two layers: a legal size on one, then a single-layer fix further down.
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const alts = alternatives(result, step);
    if (!alts) continue;
    for (const t of combinations(alts, 16)) {
      if (t.every((v, k) => v === step.outSpatial[k])) continue;
      const first = proposeNodeFix(result, step.node, step.outSpatial, t);
      if (!first?.model) continue;
      const mid = repropagate(result, first.model);
      if (!mid || mid.contradictions.length > base) continue;
      const later = upSteps(mid, mismatch, options).filter((s) => steps.slice(i + 1).some((o) => o.node.name === s.node.name));
      for (const second of singleCandidates(mid, later, target)) {
        const ok = tryFix(mid, mismatch, options, base, second);
        if (ok) return found([first, ok.fix], ok.fixed, step.node, levelOf(step.node));
      }
    }
  }
  // 6. No change of one or two layers: blame the first layer that missed its size, and say which sizes work.
  const first = mismatch.misses[0];
  const lastUp = [...mismatch.trail].reverse().find((s) => s.direction === "up");
  const blamed = first?.pop.node ?? lastUp?.node ?? mismatch.node;
  const unconfirmed = first ? proposeNodeFix(result, first.pop.node, first.actual, first.expected) : null;
  return {
    mismatch,
    blamed,
    encoder: first?.level.step.node,
    fixes: unconfirmed && unconfirmed.model === null ? [unconfirmed] : [],
    confirmed: null,
    trail,
    trailAfter: null,
    worksFor: mismatch.kind === "reconstruction" && allConcrete(mismatch.expected) ? sizesThatWork(result, mismatch, options) : null,
  };
}

function allConcrete(dims: readonly Dim[]): boolean {
  return dims.every(isConst);
}

/**
 * Diagnose every output mismatch: with concrete sizes, or symbolic ones that never match or
 * match only for some sizes (the comparison then carries the condition).
 */
export function diagnoseDecoders(result: ShapeResult, options: PairingOptions = {}, maxRounds = 8): DecoderDiagnosis[] {
  const out: DecoderDiagnosis[] = [];
  let current = result;
  const done = new Set<string>();
  for (let round = 0; round < maxRounds; round++) {
    const pairing = analysePairing(current, options);
    const next = pairing.mismatches.find((m) => (m.comparison.verdict === "never" || m.comparison.verdict === "sometimes") && !done.has(m.output));
    if (!next) break;
    let d = diagnoseOne(current, next, options);
    if (next.comparison.verdict === "sometimes") {
      // With symbolic sizes no constant change fixes every size: blame the layer that is wrong
      // at the smallest failing size, as a run at that size would show, and propose no fix.
      const blamed = blameAtSmallestFailing(current, next, options);
      d = { ...d, blamed: blamed ?? d.blamed, fixes: [], confirmed: null, trailAfter: null };
    }
    out.push(d);
    done.add(next.output);
    const last = d.fixes[d.fixes.length - 1];
    if (d.confirmed && last?.model) {
      const fixed = repropagate(current, last.model);
      if (fixed) current = fixed;
    }
  }
  return out;
}


/**
 * The layer blamed when the symbolic sizes are bound to the smallest failing ones (the symbols
 * that have no failing value keep a large size at which they work), or `null`.
 */
function blameAtSmallestFailing(result: ShapeResult, m: OutputMismatch, options: PairingOptions): Node | null {
  const failing = m.comparison.smallestFailing;
  if (!failing) return null;
  const env = new Map<string, Dim>(Object.entries(failing));
  const bindings = new Map<string, InputBinding>();
  for (const [name, shape] of result.inputShapes) {
    if (!shape) continue;
    bindings.set(
      name,
      shape.map((d) => {
        if (d === null) return null;
        const v = substitute(d, env);
        return isConst(v) ? v : null;
      }),
    );
  }
  try {
    const concrete = propagate(result.model, { inputShapes: bindings });
    const again = analysePairing(concrete, { ...(options.expectOutput ? { expectOutput: options.expectOutput } : {}) });
    const cm = again.mismatches.find((x) => x.output === m.output && x.comparison.verdict === "never");
    if (!cm) return null;
    const name = diagnoseOne(concrete, cm, {}).blamed?.name;
    return result.model.graph.nodes.find((n) => n.name === name) ?? null;
  } catch {
    return null;
  }
}
