/**
 * Encoder/decoder pairing (DESIGN.md section 5). Along each path from an input, a size-reducing
 * op (strided or VALID conv, pool) pushes a level; a size-increasing op (transposed conv,
 * resize/upsample, depth-to-space) pops one and should give back the size that level took in.
 *
 * A pop that misses its size is not reported where it happens: the decoder may still repair it
 * (PyTorch `F.pad` to the skip size, `Cropping2D`, `interpolate(size=skip.shape)`). The miss is
 * carried on the value as a pending expectation and judged where sizes become observable: at a
 * merge with another tensor (the merge rule owns that), or at a graph output. An output of a
 * network whose every encoder level was popped again is a reconstruction or dense prediction and
 * must have its input's spatial size; `--expect-output` states the size outright.
 */
import { type Comparison, compareDims, joinConditions } from "../ir/dim-compare.js";
import { type Dim, evalDim, formatDim, isConst, substitute, symbolsOf } from "../ir/dim.js";
import type { Node, Shape } from "../ir/graph.js";
import type { ShapeResult } from "../shapes/propagate.js";
import type { TensorInfo } from "../shapes/tensor-info.js";
import { mergeDisagreements } from "./merge-check.js";
import { attrString, attrValue } from "./node-attrs.js";

/** ONNX ops that change spatial size by their own geometry. */
const ONNX_RESAMPLE = new Set(["Conv", "ConvInteger", "QLinearConv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "Resize", "Upsample", "DepthToSpace", "SpaceToDepth", "MaxUnpool"]);

/** Keras layers that change spatial size by their own geometry. */
const KERAS_RESAMPLE = new Set([
  "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
  "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
  "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
  "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
  "UpSampling1D", "UpSampling2D", "UpSampling3D",
]);

/** Merge ops: their inputs must agree, so they observe pending expectations. */
const MERGES = new Set(["Concat", "Add", "Sub", "Mul", "Div", "Sum", "Mean", "Max", "Min", "Where", "Concatenate", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]);

/**
 * One size-changing step on a path. `down` and `up` are resampling (stride or scale > 1, pools,
 * depth/space): they open and close encoder levels. `adjust` is a stride-1 size change (a VALID
 * or under-padded convolution, a stride-1 transposed convolution): it shifts sizes like a crop or
 * a pad and opens no level, as the unpadded convolutions of the original U-Net do.
 */
export interface ResampleStep {
  readonly node: Node;
  readonly direction: "down" | "up" | "adjust";
  readonly inSpatial: readonly Dim[];
  readonly outSpatial: readonly Dim[];
}

/** An encoder level: the reducer and the spatial size it took in. */
export interface Level {
  readonly step: ResampleStep;
  /** Pushed after the first pop (a reducer inside the decoder). */
  readonly inDecoder: boolean;
}

/** A pop whose output is not the size its level took in. */
export interface PendingMiss {
  readonly pop: ResampleStep;
  readonly level: Level;
  readonly expected: readonly Dim[];
  readonly actual: readonly Dim[];
  readonly comparison: Comparison;
}

/** What the analysis tracks per value. */
interface PathState {
  readonly stack: readonly Level[];
  readonly pending: readonly PendingMiss[];
  readonly trail: readonly ResampleStep[];
  readonly pops: number;
  /** Passed through a merge whose inputs provably disagree (its rule reports it). */
  readonly tainted: boolean;
  /** Graph input the path started from. */
  readonly origin: string | null;
  /** Spatial axes of the value in its layout. */
  readonly channelsLast: boolean;
}

/** An observed size mismatch at a graph output. */
export interface OutputMismatch {
  readonly kind: "reconstruction" | "expected-output";
  readonly output: string;
  /** The producer of the output value. */
  readonly node: Node | undefined;
  readonly expected: readonly Dim[];
  readonly actual: readonly Dim[];
  /** Which axes of the output tensor are compared. */
  readonly axes: readonly number[];
  readonly comparison: Comparison;
  /** Unrepaired pops on the path, earliest first. */
  readonly misses: readonly PendingMiss[];
  readonly trail: readonly ResampleStep[];
  readonly origin: string | null;
}

/** Result of {@link analysePairing}. */
export interface PairingResult {
  readonly mismatches: readonly OutputMismatch[];
  /** Every resampling step, by node name. */
  readonly steps: ReadonlyMap<string, ResampleStep>;
  /** Final path state per value (for rules that need levels). */
  readonly states: ReadonlyMap<string, { readonly stack: readonly Level[]; readonly trail: readonly ResampleStep[]; readonly pending: readonly PendingMiss[] }>;
}

/** Options of {@link analysePairing}. */
export interface PairingOptions {
  /** Expected full shapes of graph outputs by name (`""` = the first output); `null` dims are not checked. */
  readonly expectOutput?: ReadonlyMap<string, Shape>;
  /** Admissible lower bounds of symbols for the comparisons. */
  readonly from?: Readonly<Record<string, number>>;
}

/** True when a node is a Keras layer stored channels_first. */
function isChannelsFirst(node: Node): boolean {
  return attrString(node, "data_format") === "channels_first" || attrString(node, "dim_ordering") === "th";
}

/** The spatial axes of a tensor of the given rank in a layout. */
export function spatialAxes(rank: number, channelsLast: boolean): number[] {
  if (rank < 3) return [];
  const axes: number[] = [];
  if (channelsLast) for (let a = 1; a < rank - 1; a++) axes.push(a);
  else for (let a = 2; a < rank; a++) axes.push(a);
  return axes;
}

/** The spatial dims of a shape in a layout; `null` when unknown or there are none. */
export function spatialOf(shape: Shape | null, channelsLast: boolean): Dim[] | null {
  if (shape === null) return null;
  const axes = spatialAxes(shape.length, channelsLast);
  if (axes.length === 0) return null;
  const out: Dim[] = [];
  for (const a of axes) {
    const d = shape[a];
    if (d === null || d === undefined) return null;
    out.push(d);
  }
  return out;
}

/** Compare two spatial vectors axis by axis and combine the verdicts. */
export function compareSpatial(a: readonly Dim[], b: readonly Dim[], from?: Readonly<Record<string, number>>): Comparison {
  const opts = from ? { from } : {};
  const parts = a.map((d, i) => compareDims(d, b[i]!, opts));
  if (parts.length === 1) return parts[0]!;
  if (parts.every((p) => p.verdict === "always")) return parts[0]!;
  const never = parts.find((p) => p.verdict === "never");
  if (never) return never;
  const unknown = parts.find((p) => p.verdict === "unknown");
  if (unknown) return unknown;
  const conditions = [...new Set(parts.filter((p) => p.verdict !== "always").map((p) => p.condition))];
  const merge = (key: "smallestFailing" | "smallestHolding") => {
    const out: Record<string, number> = {};
    let any = false;
    for (const p of parts) {
      const v = p[key];
      if (v) {
        any = true;
        Object.assign(out, v);
      }
    }
    return any ? out : null;
  };
  return {
    verdict: "sometimes",
    condition: joinConditions(conditions, "and"),
    symbols: parts.flatMap((p) => p.symbols),
    smallestFailing: merge("smallestFailing"),
    smallestHolding: merge("smallestHolding"),
  };
}

function anyAbove1(v: unknown): boolean {
  if (typeof v === "number") return v > 1;
  return Array.isArray(v) && v.some((x) => typeof x === "number" && x > 1);
}

/**
 * True when the node resamples (stride, pool step or scale above 1), as opposed to a stride-1
 * window that only trims or extends the borders.
 */
function resamples(node: Node): boolean {
  if (node.domain === "keras") {
    if (/^UpSampling[123]D$/.test(node.opType)) return anyAbove1(attrValue(node, "size") ?? 2);
    if (/Pool/.test(node.opType)) return anyAbove1(attrValue(node, "strides") ?? attrValue(node, "pool_size") ?? 2);
    return anyAbove1(attrValue(node, "strides") ?? attrValue(node, "subsample"));
  }
  if (["Resize", "Upsample", "DepthToSpace", "SpaceToDepth", "MaxUnpool"].includes(node.opType)) return true;
  return anyAbove1(attrValue(node, "strides"));
}

/** Classify a size-changing node by comparing its output spatial size with its input's. */
function classify(node: Node, input: TensorInfo | undefined, output: TensorInfo | undefined, channelsLast: boolean): ResampleStep | null {
  const inS = spatialOf(input?.shape ?? null, channelsLast);
  const outS = spatialOf(output?.shape ?? null, channelsLast);
  if (!inS || !outS || inS.length !== outS.length) return null;
  let down = false;
  let up = false;
  inS.forEach((i, k) => {
    const o = outS[k]!;
    const c = compareDims(o, i);
    if (c.verdict === "always") return;
    // Direction from a large admissible point (past every threshold of conv arithmetic).
    const env: Record<string, number> = {};
    for (const s of new Set([...symbolsOf(i), ...symbolsOf(o)])) env[s] = 4099;
    const di = evalDim(i, env);
    const dout = evalDim(o, env);
    if (dout < di) down = true;
    else if (dout > di) up = true;
  });
  if (down === up) return null;
  const direction = resamples(node) ? (down ? "down" : "up") : "adjust";
  return { node, direction, inSpatial: inS, outSpatial: outS };
}

function isResample(node: Node): boolean {
  return node.domain === "keras" ? KERAS_RESAMPLE.has(node.opType) : ONNX_RESAMPLE.has(node.opType);
}

/** The main data input of a node: the first input that comes from the network, not a constant. */
function dataInput(node: Node, result: ShapeResult): string | undefined {
  const init = result.model.graph.initializers;
  return node.inputs.find((name) => name !== "" && !init.has(name) && (result.producers.has(name) || result.model.graph.inputs.some((i) => i.name === name)));
}

const pairingCache = new WeakMap<ShapeResult, Map<string, PairingResult>>();

function optionsKey(options: PairingOptions): string {
  const expect = [...(options.expectOutput ?? [])].map(([k, shape]) => `${k}=${shape.map((d) => formatDim(d)).join(",")}`).sort();
  const from = Object.entries(options.from ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([expect, from]);
}

/**
 * Run the pairing analysis over a propagated model. The result is the same for the same
 * propagation and options, and several rules ask for it: it is computed once.
 */
export function analysePairing(result: ShapeResult, options: PairingOptions = {}): PairingResult {
  let byOptions = pairingCache.get(result);
  if (!byOptions) pairingCache.set(result, (byOptions = new Map()));
  const key = optionsKey(options);
  const hit = byOptions.get(key);
  if (hit) return hit;
  const fresh = computePairing(result, options);
  byOptions.set(key, fresh);
  return fresh;
}

function computePairing(result: ShapeResult, options: PairingOptions): PairingResult {
  const model = result.model;
  const keras = model.format === "keras";
  const states = new Map<string, PathState>();
  const steps = new Map<string, ResampleStep>();
  const contradictionNodes = new Set(result.contradictions.map((c) => c.node));
  for (const input of model.graph.inputs) {
    states.set(input.name, { stack: [], pending: [], trail: [], pops: 0, tainted: false, origin: input.name, channelsLast: keras });
  }
  for (const node of result.order) {
    const inputs = node.inputs.filter((n) => n !== "" && states.has(n));
    if (inputs.length === 0) continue;
    const mainName = dataInput(node, result) ?? inputs[0]!;
    const main = states.get(mainName) ?? states.get(inputs[0]!)!;
    const channelsLast = keras ? !isChannelsFirst(node) : false;
    const inInfo = result.values.get(mainName);
    const out0 = node.outputs[0];
    const outInfo = out0 ? result.values.get(out0) : undefined;
    let next: PathState = { ...main, channelsLast };
    // A merge whose inputs may disagree is where a size error shows; merge-shape-mismatch owns it.
    const tainted = inputs.some((n) => states.get(n)!.tainted) || (MERGES.has(node.opType) && (contradictionNodes.has(node) || mergeDisagreements(node, result, options.from).some((c) => c.comparison.verdict !== "unknown")));

    if (isResample(node)) {
      const step = classify(node, inInfo, outInfo, channelsLast);
      if (step) {
        steps.set(node.name, step);
        if (step.direction === "adjust") {
          // A border change: re-judge the pending misses against the new size, open no level.
          const pending = main.pending.flatMap((p) => {
            const comparison = compareSpatial(step.outSpatial, p.expected, options.from);
            return comparison.verdict === "always" ? [] : [{ ...p, actual: step.outSpatial, comparison }];
          });
          next = { ...next, pending, trail: [...main.trail, step] };
        } else if (step.direction === "down") {
          next = { ...next, stack: [...main.stack, { step, inDecoder: main.pops > 0 }], trail: [...main.trail, step] };
        } else {
          const level = main.stack[main.stack.length - 1];
          const pending = [...main.pending];
          let pops = main.pops;
          if (level) {
            pops++;
            const comparison = compareSpatial(step.outSpatial, level.step.inSpatial, options.from);
            if (comparison.verdict !== "always") pending.push({ pop: step, level, expected: level.step.inSpatial, actual: step.outSpatial, comparison });
          }
          next = { ...next, stack: level ? main.stack.slice(0, -1) : main.stack, pending, pops, trail: [...main.trail, step] };
        }
      }
    } else if (MERGES.has(node.opType)) {
      // A merge observes its inputs: misses that the merge makes agree with the other side are
      // settled (the skip confirms the size), the others stay pending. Disagreeing merges are
      // reported by merge-shape-mismatch and taint the path.
      const pending = inputs.flatMap((n) => states.get(n)!.pending);
      const outSpatial = spatialOf(outInfo?.shape ?? null, channelsLast);
      const stillPending = pending.filter((p) => !outSpatial || compareSpatial(outSpatial, p.expected, options.from).verdict !== "always");
      const deepest = inputs.map((n) => states.get(n)!).reduce((a, b) => (b.stack.length > a.stack.length ? b : a));
      next = { ...next, stack: deepest.stack, pending: dedupe(stillPending), pops: Math.max(...inputs.map((n) => states.get(n)!.pops)) };
    } else {
      // Neutral op. If it changes the spatial size (Pad, Slice, Crop, Resize by sizes), re-judge
      // pending misses against the new size; if it destroys the spatial layout, the path ends.
      const inS = spatialOf(inInfo?.shape ?? null, channelsLast);
      const outS = spatialOf(outInfo?.shape ?? null, channelsLast);
      if (!outS || !inS || (inInfo?.shape?.length ?? -1) !== (outInfo?.shape?.length ?? -2)) {
        next = { ...next, stack: [], pending: [], pops: 0 };
      } else if (outS.some((d, k) => compareDims(d, inS[k]!).verdict !== "always")) {
        const pending = main.pending.flatMap((p) => {
          const comparison = compareSpatial(outS, p.expected, options.from);
          return comparison.verdict === "always" ? [] : [{ ...p, actual: outS, comparison }];
        });
        next = { ...next, pending };
      }
    }
    next = { ...next, tainted };
    for (const o of node.outputs) if (o) states.set(o, next);
  }

  const mismatches: OutputMismatch[] = [];
  model.graph.outputs.forEach((out, index) => {
    const state = states.get(out.name);
    const info = result.values.get(out.name);
    if (!state || !info?.shape || state.tainted) return;
    const expectedFull = options.expectOutput?.get(out.name) ?? (index === 0 ? options.expectOutput?.get("") : undefined);
    const node = result.producers.get(out.name);
    if (expectedFull) {
      const axes: number[] = [];
      const expected: Dim[] = [];
      const actual: Dim[] = [];
      if (expectedFull.length !== info.shape.length) {
        mismatches.push({ kind: "expected-output", output: out.name, node, expected: expectedFull.map((e) => e ?? 0), actual: info.shape.map((d) => d ?? 0), axes: [], comparison: neverComparison(), misses: state.pending, trail: state.trail, origin: state.origin });
        return;
      }
      expectedFull.forEach((e, k) => {
        const a = info.shape![k];
        if (e === null || a === null || a === undefined) return;
        // A size that is still a free input symbol (an unbound batch N) can be the expected one.
        if (isConst(e) && !isConst(a) && a.c === 0 && a.terms.length === 1 && a.terms[0]!.coef === 1 && a.terms[0]!.atom.kind === "sym") return;
        axes.push(k);
        expected.push(isConst(e) ? e : substitute(e, result.bindings));
        actual.push(a);
      });
      const comparison = compareSpatial(actual, expected, options.from);
      if (comparison.verdict !== "always") mismatches.push({ kind: "expected-output", output: out.name, node, expected, actual, axes, comparison, misses: state.pending, trail: state.trail, origin: state.origin });
      return;
    }
    // Reconstruction / dense prediction: every encoder level popped again.
    if (state.pops === 0 || state.stack.some((l) => !l.inDecoder) || state.origin === null) return;
    const inputInfo = result.values.get(state.origin);
    if (!inputInfo?.shape || inputInfo.shape.length !== info.shape.length) return;
    const expected = spatialOf(inputInfo.shape, state.channelsLast);
    const actual = spatialOf(info.shape, state.channelsLast);
    if (!expected || !actual) return;
    const comparison = compareSpatial(actual, expected, options.from);
    if (comparison.verdict === "always") return;
    mismatches.push({ kind: "reconstruction", output: out.name, node, expected, actual, axes: spatialAxes(info.shape.length, state.channelsLast), comparison, misses: state.pending, trail: state.trail, origin: state.origin });
  });
  const finalStates = new Map<string, { stack: readonly Level[]; trail: readonly ResampleStep[]; pending: readonly PendingMiss[] }>();
  for (const [k, s] of states) finalStates.set(k, { stack: s.stack, trail: s.trail, pending: s.pending });
  return { mismatches, steps, states: finalStates };
}

function dedupe(list: readonly PendingMiss[]): PendingMiss[] {
  const seen = new Set<string>();
  return list.filter((p) => (seen.has(p.pop.node.name) ? false : (seen.add(p.pop.node.name), true)));
}

function neverComparison(): Comparison {
  return { verdict: "never", condition: "false", symbols: [], smallestFailing: {}, smallestHolding: null };
}

/** Format a spatial vector: `28x28`, or `28` when every axis agrees. */
export function formatSpatial(dims: readonly Dim[], collapse = true): string {
  const parts = dims.map((d) => formatDim(d));
  if (collapse && parts.every((p) => p === parts[0])) return parts[0] ?? "";
  return parts.join("x");
}

/** The shape trail of a path: `28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32` (`|` where the encoder turns into the decoder). */
export function formatTrail(trail: readonly ResampleStep[]): string {
  if (trail.length === 0) return "";
  const out: string[] = [formatSpatial(trail[0]!.inSpatial)];
  let seenDown = false;
  let seenUp = false;
  for (const s of trail) {
    out.push(s.direction === "up" && seenDown && !seenUp ? "|" : "->");
    out.push(formatSpatial(s.outSpatial));
    if (s.direction === "down") seenDown = true;
    if (s.direction === "up") seenUp = true;
  }
  return out.join(" ");
}
