/**
 * Fixes computed, not guessed: for a layer whose output should have a target spatial size, the
 * exact attribute change that produces it, in the terms of the framework that wrote the file
 * (ONNX attribute, Keras layer argument, PyTorch module argument), checked against the legal
 * range and each framework's limits. A fix is confirmed by applying it to a copy of the IR and
 * propagating again.
 */
import { type Dim, add, formatDim, isConst, sub } from "../ir/dim.js";
import type { Attr, Graph, Model, Node } from "../ir/graph.js";
import { convTransposeFull, convTransposeLegalRange, effectiveKernel, kerasConvTransposeOutput } from "../shapes/conv-geometry.js";
import { type InputBinding, type ShapeResult, propagate } from "../shapes/propagate.js";
import { attrInts, attrString, attrValue, perAxis, wellFormed } from "./node-attrs.js";

/** One attribute change, in one framework's terms. */
export interface FixChange {
  /** Node (ONNX), layer (Keras) or module path (PyTorch) to change. */
  readonly node: string;
  readonly attribute: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly framework: "onnx" | "keras" | "pytorch" | "tfjs";
  readonly note?: string;
}

/** A proposed change of one node and the model it gives. */
export interface NodeFix {
  readonly node: Node;
  /** The primary change first (the file's framework), then the same change in other terms. */
  readonly changes: readonly FixChange[];
  /** The model with the change applied, for re-propagation; `null` when it cannot be applied to the IR. */
  readonly model: Model | null;
}

/** Replace one node of the main graph (matched by identity) with a copy having other attributes. */
export function withNodeAttrs(model: Model, node: Node, set: Record<string, Attr>): Model {
  const attrs = new Map(node.attrs);
  for (const [k, v] of Object.entries(set)) attrs.set(k, v);
  const replaced: Node = { ...node, attrs };
  const graph: Graph = { ...model.graph, nodes: model.graph.nodes.map((n) => (n === node ? replaced : n)) };
  return { ...model, graph };
}

/**
 * The PyTorch module path of an exported node, from the scope the exporter writes into node
 * names (torch >= 1.13: `/dec/dec.0/ConvTranspose` is module `dec.0`), or `null`.
 */
export function pytorchModule(nodeName: string): string | null {
  if (!nodeName.startsWith("/")) return null;
  const parts = nodeName.split("/").filter(Boolean);
  if (parts.length < 2) return null;
  return parts[parts.length - 2]!;
}

function isTorch(model: Model): boolean {
  return (model.producer?.name ?? "").toLowerCase().includes("pytorch");
}

function scalarOrList(values: readonly number[]): number | number[] {
  return values.every((v) => v === values[0]) ? values[0]! : [...values];
}

/** Spatial input sizes and geometry of a transposed conv node. */
interface ConvTGeometry {
  readonly inSpatial: Dim[];
  readonly kernel: number[];
  readonly strides: number[];
  readonly dilations: number[];
}

function onnxConvTGeometry(result: ShapeResult, node: Node): ConvTGeometry | null {
  const x = result.values.get(node.inputs[0] ?? "");
  const w = result.values.get(node.inputs[1] ?? "");
  if (!x?.shape || x.shape.length < 3) return null;
  const n = x.shape.length - 2;
  const inSpatial = x.shape.slice(2) as (Dim | null)[];
  if (inSpatial.some((d) => d === null)) return null;
  const kernel = attrInts(node, "kernel_shape") ?? (w?.shape?.slice(2).every(isConst) ? (w.shape.slice(2) as number[]) : undefined);
  const strides = attrInts(node, "strides") ?? new Array<number>(n).fill(1);
  const dilations = attrInts(node, "dilations") ?? new Array<number>(n).fill(1);
  if (!kernel || !wellFormed(kernel, n, 1) || !wellFormed(strides, n, 1) || !wellFormed(dilations, n, 1)) return null;
  return { inSpatial: inSpatial as Dim[], kernel, strides, dilations };
}

/**
 * Fix an ONNX ConvTranspose so its spatial output is `target`: `output_padding` when the needed
 * value is in `[0, stride)` (ONNX text; PyTorch allows `< max(stride, dilation)`), otherwise
 * `output_shape` when the target is reachable by cropping (`t <= F + op`).
 */
function fixOnnxConvTranspose(result: ShapeResult, node: Node, target: readonly Dim[]): NodeFix | null {
  const g = onnxConvTGeometry(result, node);
  if (!g) return null;
  const n = g.kernel.length;
  const autoPad = attrString(node, "auto_pad") ?? "NOTSET";
  const pads = attrInts(node, "pads") ?? new Array(2 * n).fill(0);
  const op = attrInts(node, "output_padding") ?? new Array(n).fill(0);
  const outputShape = attrInts(node, "output_shape");
  if (!wellFormed(pads, 2 * n, 0) || !wellFormed(op, n, 0)) return null;
  const model = result.model;
  const torch = isTorch(model);
  const module = pytorchModule(node.name);
  if (outputShape === undefined && (autoPad === "NOTSET" || autoPad === "VALID")) {
    const newOp: number[] = [];
    for (let a = 0; a < n; a++) {
      const full = convTransposeFull(g.inSpatial[a]!, g.kernel[a]!, g.strides[a]!, g.dilations[a]!);
      const base = autoPad === "VALID" ? full : sub(full, pads[a]! + pads[a + n]!);
      const need = sub(target[a]!, base);
      if (!isConst(need)) return null;
      newOp.push(need);
    }
    const legal = newOp.every((v, a) => v >= 0 && v < g.strides[a]!);
    if (legal) {
      const changes: FixChange[] = [{ node: node.name, attribute: "output_padding", from: op, to: newOp, framework: "onnx" }];
      if (torch && module) changes.push({ node: module, attribute: "output_padding", from: scalarOrList(op), to: scalarOrList(newOp), framework: "pytorch" });
      return { node, changes, model: withNodeAttrs(model, node, { output_padding: { type: "ints", value: newOp } }) };
    }
    // Not reachable with output_padding: a larger crop (pads) when the target is below the
    // default, as PyTorch's symmetric `padding` when the change is even on both sides.
    // The needed output_padding is negative: crop that much more, keeping the current output_padding.
    const extra: number[] = newOp.map((v, a) => op[a]! - v);
    if (extra.every((e) => e >= 0) && autoPad === "NOTSET") {
      const newPads = [...pads];
      for (let a = 0; a < n; a++) {
        newPads[a] = pads[a]! + Math.floor(extra[a]! / 2);
        newPads[a + n] = pads[a + n]! + extra[a]! - Math.floor(extra[a]! / 2);
      }
      const changes: FixChange[] = [{ node: node.name, attribute: "pads", from: pads, to: newPads, framework: "onnx" }];
      const symmetric = newPads.slice(0, n).every((p, a) => p === newPads[a + n]);
      if (torch && module && symmetric) changes.push({ node: module, attribute: "padding", from: scalarOrList(pads.slice(0, n)), to: scalarOrList(newPads.slice(0, n)), framework: "pytorch" });
      return { node, changes, model: withNodeAttrs(model, node, { pads: { type: "ints", value: newPads } }) };
    }
    return null;
  }
  // output_shape (given, or to replace an auto_pad SAME whose default misses): any t <= F + op
  // is reachable; the forward conv of t gives back i as long as op < stride.
  const newShape: number[] = [];
  for (let a = 0; a < n; a++) {
    const t = target[a]!;
    if (!isConst(t)) return null;
    const full = convTransposeFull(g.inSpatial[a]!, g.kernel[a]!, g.strides[a]!, g.dilations[a]!);
    const range = convTransposeLegalRange(g.inSpatial[a]!, g.kernel[a]!, g.strides[a]!, g.dilations[a]!, { kind: "same" });
    if (!isConst(full) || !isConst(range.lo) || t > full + op[a]! || t < range.lo) return null;
    newShape.push(t);
  }
  const changes: FixChange[] = [{ node: node.name, attribute: "output_shape", from: outputShape ?? null, to: newShape, framework: "onnx" }];
  if (torch && module) changes.push({ node: module, attribute: "output_size", from: null, to: newShape, framework: "pytorch", note: "pass output_size= to forward()" });
  return { node, changes, model: withNodeAttrs(model, node, { output_shape: { type: "ints", value: newShape } }) };
}

/**
 * Fix a Keras `Conv{1,2,3}DTranspose` with `output_padding` (Keras 2 `deconv_output_length`,
 * Keras 3 `compute_conv_transpose_output_shape`): `valid` -> `t = F + op`; `same` ->
 * `t = s(i-1) + (ek mod 2) + op`; legal when `0 <= op < stride`. `None` and `0` differ.
 */
function fixKerasConvTranspose(result: ShapeResult, node: Node, target: readonly Dim[]): NodeFix | null {
  const x = result.values.get(node.inputs[0] ?? "");
  if (!x?.shape || x.shape.length < 3) return null;
  const channelsFirst = attrValue(node, "data_format") === "channels_first";
  const n = x.shape.length - 2;
  const inSpatial = (channelsFirst ? x.shape.slice(2) : x.shape.slice(1, -1)) as (Dim | null)[];
  if (inSpatial.some((d) => d === null)) return null;
  const kernel = perAxis(attrValue(node, "kernel_size"), n, 1);
  const strides = perAxis(attrValue(node, "strides"), n, 1);
  const dil = perAxis(attrValue(node, "dilation_rate"), n, 1);
  if (!wellFormed(kernel, n, 1) || !wellFormed(strides, n, 1) || !wellFormed(dil, n, 1)) return null;
  const padding = (attrValue(node, "padding") ?? "valid") as string;
  if (padding !== "valid" && padding !== "same") return null;
  const current = attrValue(node, "output_padding") ?? null;
  const newOp: number[] = [];
  for (let a = 0; a < n; a++) {
    const base = kerasConvTransposeOutput(inSpatial[a]!, kernel[a]!, strides[a]!, dil[a]!, padding, 0);
    const need = sub(target[a]!, base);
    if (!isConst(need) || need < 0 || need >= strides[a]!) return kerasPaddingToggle(result, node, inSpatial as Dim[], kernel, strides, dil, padding, current, target);
    newOp.push(need);
  }
  const changes: FixChange[] = [{ node: node.name, attribute: "output_padding", from: current, to: newOp, framework: "keras" }];
  const ek = effectiveKernel(kernel[0]!, dil[0]!);
  const note = padding === "same" && ek % 2 === 0 ? "even kernel with padding='same': an explicit output_padding changes the formula from i*s to s*(i-1)+op" : undefined;
  if (note) changes[0] = { ...changes[0]!, note };
  return { node, changes, model: withNodeAttrs(result.model, node, { output_padding: { type: "json", value: newOp } }) };
}

/** The other Keras padding mode of a transposed conv, when it alone gives the target (output_padding kept). */
function kerasPaddingToggle(result: ShapeResult, node: Node, inSpatial: readonly Dim[], kernel: readonly number[], strides: readonly number[], dil: readonly number[], padding: "valid" | "same", op: unknown, target: readonly Dim[]): NodeFix | null {
  const other = padding === "valid" ? "same" : "valid";
  const ops = Array.isArray(op) ? (op as number[]) : typeof op === "number" ? inSpatial.map(() => op) : null;
  for (let a = 0; a < inSpatial.length; a++) {
    const o = kerasConvTransposeOutput(inSpatial[a]!, kernel[a]!, strides[a]!, dil[a]!, other, ops ? ops[a]! : null);
    if (!isConst(sub(o, target[a]!)) || sub(o, target[a]!) !== 0) return null;
  }
  return { node, changes: [{ node: node.name, attribute: "padding", from: padding, to: other, framework: "keras" }], model: withNodeAttrs(result.model, node, { padding: { type: "json", value: other } }) };
}

/**
 * Fix a stride-1 ONNX Conv (or pool) that trims the borders so its output is `target`:
 * `o = i + pb + pe - ek + 1`, so the total pad is `target - i + ek - 1`, split with the extra one
 * at the end (PyTorch `padding=` when it is even).
 */
function fixOnnxConv(result: ShapeResult, node: Node, target: readonly Dim[]): NodeFix | null {
  const x = result.values.get(node.inputs[0] ?? "");
  const w = result.values.get(node.inputs[1] ?? "");
  if (!x?.shape || x.shape.length < 3) return null;
  const n = x.shape.length - 2;
  const strides = attrInts(node, "strides") ?? new Array(n).fill(1);
  if (strides.some((v) => v !== 1) || (attrString(node, "auto_pad") ?? "NOTSET") !== "NOTSET") return null;
  const kernel = attrInts(node, "kernel_shape") ?? (w?.shape?.slice(2).every(isConst) ? (w.shape.slice(2) as number[]) : undefined);
  const dil = attrInts(node, "dilations") ?? new Array(n).fill(1);
  const pads = attrInts(node, "pads") ?? new Array(2 * n).fill(0);
  if (!kernel || !wellFormed(kernel, n, 1) || !wellFormed(dil, n, 1) || !wellFormed(pads, 2 * n, 0)) return null;
  const newPads = new Array<number>(2 * n).fill(0);
  for (let a = 0; a < n; a++) {
    const i = x.shape[a + 2];
    if (i === null || i === undefined) return null;
    const total = sub(add(target[a]!, effectiveKernel(kernel[a]!, dil[a]!) - 1), i);
    if (!isConst(total) || total < 0) return null;
    newPads[a] = Math.floor(total / 2);
    newPads[a + n] = total - Math.floor(total / 2);
  }
  const changes: FixChange[] = [{ node: node.name, attribute: "pads", from: pads, to: newPads, framework: "onnx" }];
  const module = pytorchModule(node.name);
  const symmetric = newPads.slice(0, n).every((p, a) => p === newPads[a + n]);
  if (isTorch(result.model) && module && symmetric) changes.push({ node: module, attribute: "padding", from: scalarOrList(pads.slice(0, n)), to: scalarOrList(newPads.slice(0, n)), framework: "pytorch" });
  return { node, changes, model: withNodeAttrs(result.model, node, { pads: { type: "ints", value: newPads } }) };
}

/** Fix a stride-1 Keras Conv that trims the borders: `padding="same"` keeps the size. */
function fixKerasConv(result: ShapeResult, node: Node, target: readonly Dim[]): NodeFix | null {
  const x = result.values.get(node.inputs[0] ?? "");
  if (!x?.shape || x.shape.length < 3) return null;
  const channelsFirst = attrValue(node, "data_format") === "channels_first";
  const n = x.shape.length - 2;
  if (perAxis(attrValue(node, "strides"), n, 1).some((v) => v !== 1)) return null;
  const inSpatial = channelsFirst ? x.shape.slice(2) : x.shape.slice(1, -1);
  const padding = attrValue(node, "padding") ?? "valid";
  if (padding === "same" || !inSpatial.every((d, a) => d !== null && isConst(sub(d, target[a]!)) && sub(d, target[a]!) === 0)) return null;
  return { node, changes: [{ node: node.name, attribute: "padding", from: padding, to: "same", framework: "keras" }], model: withNodeAttrs(result.model, node, { padding: { type: "json", value: "same" } }) };
}

/**
 * A copy of the model whose Resize `node` takes its output size from a new constant `sizes`
 * input (input 3 since opset 11; `roi` kept, `scales` emptied, as the spec requires one of the two).
 */
export function withResizeSizes(model: Model, node: Node, sizes: readonly number[]): Model {
  const name = `${node.name}/shapelint_fix_sizes`;
  const initializers = new Map(model.graph.initializers);
  initializers.set(name, { name, dtype: "int64", dims: [sizes.length], data: { kind: "none" }, values: [...sizes] });
  const replaced: Node = { ...node, inputs: [node.inputs[0] ?? "", node.inputs[1] ?? "", "", name] };
  return { ...model, graph: { ...model.graph, initializers, nodes: model.graph.nodes.map((n) => (n === node ? replaced : n)) } };
}

function onnxOpset(model: Model): number {
  return model.opsets.get("") ?? model.opsets.get("ai.onnx") ?? 0;
}

/** Fix an ONNX Resize to an exact size through its `sizes` input (PyTorch: `interpolate(size=...)`). */
function fixResize(result: ShapeResult, node: Node, target: readonly Dim[]): NodeFix | null {
  const x = result.values.get(node.inputs[0] ?? "");
  if (!x?.shape || !target.every(isConst)) return null;
  const full = [...x.shape.slice(0, x.shape.length - target.length), ...target];
  if (!full.every(isConst)) return null;
  const changes: FixChange[] = [{ node: node.name, attribute: "sizes", from: null, to: full, framework: "onnx", note: "set the sizes input instead of scales" }];
  const module = pytorchModule(node.name);
  // A Resize outside any submodule comes from F.interpolate in the model's own forward().
  if (isTorch(result.model)) changes.push({ node: module ?? "forward()", attribute: "size", from: null, to: target, framework: "pytorch", note: "F.interpolate(x, size=skip.shape[2:]) follows the skip for every input size" });
  const canApply = node.opType === "Resize" && onnxOpset(result.model) >= 11;
  return { node, changes, model: canApply ? withResizeSizes(result.model, node, full as number[]) : null };
}

/** A crop or pad after a Keras upsampling layer, which has no size argument of its own. */
function fixKerasUpsampling(node: Node, actual: readonly Dim[], target: readonly Dim[]): NodeFix | null {
  const diffs = actual.map((a, k) => sub(a, target[k]!));
  if (!diffs.every(isConst)) return null;
  const d = diffs as number[];
  const nd = d.length;
  const crop = d.every((v) => v >= 0);
  const pad = d.every((v) => v <= 0);
  if (!crop && !pad) return null;
  const layer = `${crop ? "Cropping" : "ZeroPadding"}${nd}D`;
  const amounts = d.map((v) => [0, Math.abs(v)]);
  return { node, changes: [{ node: node.name, attribute: `insert ${layer} after`, from: null, to: nd === 1 ? amounts[0] : amounts, framework: "keras", note: `${layer}(${JSON.stringify(nd === 1 ? amounts[0] : amounts)}) after '${node.name}'` }], model: null };
}

/** Propose the change of `node` that makes its spatial output equal `target`. */
export function proposeNodeFix(result: ShapeResult, node: Node, actual: readonly Dim[], target: readonly Dim[]): NodeFix | null {
  if (node.domain === "keras") {
    if (/^Conv[123]DTranspose$/.test(node.opType) || node.opType === "Deconvolution2D") return fixKerasConvTranspose(result, node, target);
    if (/^UpSampling[123]D$/.test(node.opType)) return fixKerasUpsampling(node, actual, target);
    if (/^(Conv[123]D|SeparableConv[12]D|DepthwiseConv[12]D)$/.test(node.opType)) return fixKerasConv(result, node, target);
    return null;
  }
  if (node.opType === "Conv") return fixOnnxConv(result, node, target);
  if (node.opType === "ConvTranspose") return fixOnnxConvTranspose(result, node, target);
  if (node.opType === "Resize" || node.opType === "Upsample") return fixResize(result, node, target);
  return null;
}

/** The bindings a propagation ran with, to run it again on a changed model. */
export function bindingsOf(result: ShapeResult): Map<string, InputBinding> {
  const out = new Map<string, InputBinding>();
  for (const [name, shape] of result.inputShapes) {
    if (!shape) continue;
    out.set(
      name,
      shape.map((d) => {
        if (d === null) return null;
        if (isConst(d)) return d;
        const only = d.terms.length === 1 && d.c === 0 && d.terms[0]!.coef === 1 && d.terms[0]!.atom.kind === "sym";
        return only ? formatDim(d) : null;
      }),
    );
  }
  return out;
}

/** Propagate a changed model with the same input bindings. */
export function repropagate(result: ShapeResult, model: Model): ShapeResult | null {
  try {
    return propagate(model, { inputShapes: bindingsOf(result) });
  } catch {
    return null;
  }
}

/** A fix step as findings carry it (see `src/lint/finding.ts` FixStep). */
export interface FixStepLike {
  readonly node: string;
  readonly attribute: string;
  readonly to: unknown;
  readonly framework?: string;
}

/**
 * Apply the file-format steps of a finding's fix to a copy of the model: ONNX attribute changes
 * (`output_padding`, `pads`, `output_shape`, `strides`, `dilations`) and Keras layer arguments
 * (`output_padding`, `padding`, ...). Steps phrased for another framework (PyTorch module
 * arguments) restate the same change and are skipped. Returns `null` when a step names no node
 * of the graph or cannot be expressed as an attribute change (inserting a layer).
 */
export function applyFixSteps(model: Model, steps: readonly FixStepLike[]): Model | null {
  let current = model;
  let applied = 0;
  for (const step of steps) {
    const native = model.format === "keras" ? step.framework === undefined || step.framework === "keras" || step.framework === "tfjs" : step.framework === undefined || step.framework === "onnx";
    if (!native) continue;
    const node = current.graph.nodes.find((n) => n.name === step.node);
    if (!node || step.attribute.includes(" ")) return null;
    // Resize takes its size as an input, not an attribute (opset 11+).
    if (model.format === "onnx" && node.opType === "Resize" && step.attribute === "sizes") {
      if (onnxOpset(current) < 11 || !Array.isArray(step.to) || !step.to.every((v) => typeof v === "number")) return null;
      current = withResizeSizes(current, node, step.to as number[]);
      applied++;
      continue;
    }
    let attr: Attr;
    if (model.format === "keras") attr = { type: "json", value: step.to };
    else if (Array.isArray(step.to) && step.to.every((v) => typeof v === "number")) attr = { type: "ints", value: step.to as number[] };
    else if (typeof step.to === "number") attr = Number.isInteger(step.to) ? { type: "int", value: step.to } : { type: "float", value: step.to };
    else if (typeof step.to === "string") attr = { type: "string", value: step.to };
    else return null;
    current = withNodeAttrs(current, node, { [step.attribute]: attr });
    applied++;
  }
  return applied > 0 ? current : null;
}
