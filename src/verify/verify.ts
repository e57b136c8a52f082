/**
 * `verify`: run a model on the CPU reference kernel and hold the static analysis to what
 * actually happens.
 *
 * 1. Propagate shapes with the user's bindings and lint, exactly as `shapelint <file>` does.
 * 2. Pick concrete sizes for every input dim the user left open: a symbolic batch dim is 1, any
 *    other open dim takes the first of {@link DEFAULT_SIZES} at which propagation finds no
 *    failure (stated in the result). Propagate again at those sizes.
 * 3. Run the graph (ONNX as it is; Keras lowered to ONNX ops with seeded random weights) on a
 *    seeded random input. Tensors are freed after their last consumer; runtime shapes are
 *    recorded node by node, so a run that fails still reports everything before the failure.
 * 4. Compare every value's runtime shape with the static one (the symbolic shape evaluated at
 *    the run's sizes). A difference, a failure at a node the analysis did not flag, or a
 *    symbolic dim whose value disagrees with propagation at the concrete sizes is a
 *    discrepancy: a bug of the linter (or the kernel), never the model's.
 * 5. For each `decoder-output-mismatch` and `merge-shape-mismatch` finding, show what the run
 *    did (the real failure, or the real wrong output size), apply the finding's fix to a copy
 *    and run again: "fix verified" when the run then succeeds with the target size.
 */
import { RULES } from "../../rules/index.js";
import { type Dim, evalDim, isConst, symbolsOf } from "../ir/dim.js";
import type { Model, Node, Shape } from "../ir/graph.js";
import { KernelError, type KernelErrorCode, type RunOptions, type RunProgress, runModel } from "../kernels/index.js";
import type { AnyRule } from "../lint/define-rule.js";
import { type Finding, type FixStep, type JsonDim, type Severity, type SeveritySetting, jsonShape } from "../lint/finding.js";
import { applyFixSteps } from "../lint/fixes.js";
import { type ShapeSpec, lint } from "../lint/run-rules.js";
import { type InputBinding, type ShapeResult, propagate } from "../shapes/propagate.js";
import { type SizeEnv, evalJsonShape } from "./formula.js";
import { LoweringError, lowerKeras } from "./keras-lowering.js";

/** Sizes tried, in order, for an input dim that is neither declared nor bound (not the batch). */
export const DEFAULT_SIZES: readonly number[] = [64, 32, 128, 96, 48, 256, 16, 8];

/** Rules whose findings `verify` checks by running the model and re-running it with the fix. */
export const VERIFIED_RULES: ReadonlySet<string> = new Set(["decoder-output-mismatch", "merge-shape-mismatch"]);

/** Contradiction codes of merges that cannot run. */
const MERGE_CODES: ReadonlySet<string> = new Set(["CONCAT_MISMATCH", "BROADCAST_MISMATCH", "RANK_MISMATCH"]);

/** Kernel error codes that mean "the kernel cannot run this", not "the shapes do not work". */
const CANNOT_RUN_CODES: ReadonlySet<KernelErrorCode> = new Set(["UNSUPPORTED_OP", "UNSUPPORTED_FEATURE", "BAD_GRAPH"]);

/** `verify` cannot start: an input size it cannot choose, or a layer it cannot run. */
export class VerifyError extends Error {
  override readonly name = "VerifyError";
  readonly code: "INPUT_SHAPE_REQUIRED" | "CANNOT_RUN";
  constructor(code: VerifyError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/** Progress of one run: the main run (`phase` "run") or the run of a fixed copy ("fix <node>"). */
export interface VerifyProgress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  readonly node: string;
  readonly elapsedMs: number;
}

/** Options of {@link verifyModel}. */
export interface VerifyOptions {
  /** Rules to run (default: every rule). */
  readonly rules?: readonly AnyRule[];
  readonly severities?: ReadonlyMap<string, SeveritySetting>;
  /** Input bindings, as `--input-shape` (`""` = the first input). */
  readonly inputShapes?: ReadonlyMap<string, ShapeSpec>;
  /** Required output shapes, as `--expect-output` (`""` = the first output). */
  readonly expectOutput?: ReadonlyMap<string, ShapeSpec>;
  /** Seed of the random input and of the random Keras weights (default 1). */
  readonly seed?: number;
  readonly onProgress?: (p: VerifyProgress) => void;
  /** File name to report (default: `model.file`). */
  readonly file?: string;
}

/** A size `verify` chose for an input dim the file and the user left open. */
export interface ChosenSize {
  readonly symbol: string;
  readonly size: number;
  /** `batch` (a leading dim: 1), `default` (runs statically at this size), `fallback` (no tried size avoids a static failure). */
  readonly reason: "batch" | "default" | "fallback";
}

/** A run that stopped at a node. */
export interface RunFailure {
  /** Node (ONNX) or layer (Keras) name. */
  readonly node: string;
  readonly op: string;
  readonly code: KernelErrorCode;
  readonly message: string;
  /** The input shapes involved, for shape failures. */
  readonly shapes: readonly (readonly number[])[] | null;
}

/** One run of the kernel. */
export interface RunReport {
  readonly ok: boolean;
  readonly failure: RunFailure | null;
  readonly nodesRun: number;
  readonly nodesTotal: number;
  readonly elapsedMs: number;
}

/**
 * How a value's runtime shape compares with the static one: `match`; `mismatch` (a linter
 * bug); `flagged` (different, at or after a node the analysis reports as failing); `declared`
 * (different, but the static shape is the file's own declaration); `not-run` (the run stopped
 * before it); `unknown` (no static shape to compare).
 */
export type ValueStatus = "match" | "mismatch" | "flagged" | "declared" | "not-run" | "unknown";

/** One value of the main graph. */
export interface ValueCheck {
  readonly name: string;
  /** Producing node (`null` for graph inputs). */
  readonly node: string | null;
  readonly op: string | null;
  /** Runtime shape; `null` when the run did not get there. */
  readonly shape: readonly number[] | null;
  /** Static shape at the run's sizes (`null` dims: unknown statically). */
  readonly staticShape: readonly (number | null)[] | null;
  /** Static shape as propagated, with formulas over the input sizes. */
  readonly symbolic: readonly JsonDim[] | null;
  readonly status: ValueStatus;
}

/**
 * What the run says about a finding: `confirmed`; `not-exercised` (it holds only for other
 * sizes); `not-reached` (the run failed before it); `contradicted` (the analysis predicted it at
 * this size but the run disagrees: a discrepancy); `not-checked` (not a failure a run can show).
 */
export type FindingStatus = "confirmed" | "not-exercised" | "not-reached" | "contradicted" | "not-checked";

/** A finding with its runtime check. */
export interface FindingCheck {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly node: string;
  readonly op: string;
  readonly message: string;
  readonly condition: string | null;
  readonly fix: readonly FixStep[];
  readonly status: FindingStatus;
  /** What the run showed: the failure message, or the real output size. */
  readonly real: string | null;
  /** The output the finding is about (decoder findings). */
  readonly output: string | null;
  /** Runtime shape of that output, when the run produced it. */
  readonly realShape: readonly number[] | null;
  /** The shape it should have at the run's sizes. */
  readonly target: readonly (number | null)[] | null;
  /** `true`: the fixed copy runs and has the target size; `false`: it does not; `null`: no fix to try. */
  readonly fixVerified: boolean | null;
  /** What the fixed copy did, or why no fix was tried. */
  readonly fixNote: string | null;
  /** The run of the fixed copy. */
  readonly fixRun: RunReport | null;
}

/** A disagreement between the static analysis and the run (exit 2: a bug of the linter). */
export interface Discrepancy {
  /** `shape`: a value's shape; `failure`: a run failure nobody predicted; `symbolic`: a formula vs propagation at concrete sizes; `finding`: a predicted failure that did not happen. */
  readonly kind: "shape" | "failure" | "symbolic" | "finding";
  readonly node: string | null;
  readonly value: string | null;
  readonly message: string;
}

/** The outcome of {@link verifyModel}. */
export interface VerifyResult {
  readonly file: string;
  readonly format: "onnx" | "keras";
  readonly seed: number;
  /** The runtime shape of every graph input. */
  readonly inputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** Sizes chosen for open dims. */
  readonly sizes: readonly ChosenSize[];
  /** Names of the graph outputs. */
  readonly outputs: readonly string[];
  readonly run: RunReport;
  readonly values: readonly ValueCheck[];
  readonly findings: readonly FindingCheck[];
  readonly discrepancies: readonly Discrepancy[];
  /** Why the kernel could not run the model (an op it has no kernel for), or `null`. */
  readonly cannotRun: string | null;
  /** Largest resident set size sampled over every run, in bytes. */
  readonly peakRssBytes: number;
  readonly elapsedMs: number;
  /** 0: no errors and static == runtime; 1: errors confirmed by the run; 2: discrepancy or cannot run. */
  readonly exitCode: 0 | 1 | 2;
}

// ---------------------------------------------------------------------------------------------
// Running.

interface Execution {
  /** Runtime dims of every graph input and node output produced (names of the model run). */
  readonly values: Map<string, number[]>;
  readonly failure: RunFailure | null;
  /** The node of `model` that failed (names may be empty or repeated in ONNX). */
  readonly failedNode: Node | null;
  readonly report: RunReport;
  readonly peakRssBytes: number;
}

/** ONNX node names may be empty or repeated; the executor reports progress by name, so make them unique on a copy. */
function uniquelyNamed(model: Model): { model: Model; original: Map<string, Node> } {
  const seen = new Set<string>();
  const original = new Map<string, Node>();
  let renamed = false;
  const nodes = model.graph.nodes.map((n, i) => {
    if (n.name !== "" && !seen.has(n.name)) {
      seen.add(n.name);
      original.set(n.name, n);
      return n;
    }
    renamed = true;
    const name = `#node${i}`;
    original.set(name, n);
    return { ...n, name };
  });
  return renamed ? { model: { ...model, graph: { ...model.graph, nodes } }, original } : { model, original };
}

function describeNode(name: string, op: string): string {
  return name === "" ? `an unnamed ${op} node` : `${name} (${op})`;
}

/** Run `model` (lowering Keras first) at the given input dims, recording every value's runtime dims. */
function execute(model: Model, concrete: ShapeResult, inputs: ReadonlyMap<string, readonly number[]>, seed: number, phase: string, onProgress?: (p: VerifyProgress) => void): Execution {
  let runnable: Model;
  let readTensor: RunOptions["readTensor"];
  // The node of `model` behind a node of the graph that runs.
  let nodeOf: (n: string) => Node | undefined;
  if (model.format === "keras") {
    let lowered;
    try {
      lowered = lowerKeras(model, concrete, seed);
    } catch (e) {
      if (e instanceof LoweringError) throw new VerifyError("CANNOT_RUN", e.message);
      throw e;
    }
    runnable = lowered.model;
    readTensor = lowered.readTensor;
    const layers = new Map(model.graph.nodes.map((n) => [n.name, n]));
    nodeOf = (n) => layers.get(lowered.layerOf.get(n) ?? n);
  } else {
    const u = uniquelyNamed(model);
    runnable = u.model;
    readTensor = undefined;
    nodeOf = (n) => u.original.get(n);
  }
  const outputsOf = new Map<string, readonly string[]>();
  for (const n of runnable.graph.nodes) outputsOf.set(n.name, n.outputs);
  const values = new Map<string, number[]>();
  for (const [name, dims] of inputs) values.set(name, [...dims]);
  let peak = process.memoryUsage.rss();
  let done = 0;
  const total = runnable.graph.nodes.length;
  const t0 = performance.now();
  const progress = (p: RunProgress): void => {
    done = p.done;
    const outs = outputsOf.get(p.node) ?? [];
    p.outputDims.forEach((d, i) => {
      const name = outs[i];
      if (d !== null && name !== undefined && name !== "") values.set(name, [...d]);
    });
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
    onProgress?.({ phase, done: p.done, total: p.total, node: nodeOf(p.node)?.name ?? p.node, elapsedMs: p.elapsedMs });
  };
  let failure: RunFailure | null = null;
  let failedNode: Node | null = null;
  try {
    const r = runModel(runnable, { inputShapes: inputs, seed, onProgress: progress, ...(readTensor !== undefined ? { readTensor } : {}) });
    if (r.peakRssBytes > peak) peak = r.peakRssBytes;
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    const shapes = "shapes" in e ? ((e as { shapes: readonly (readonly number[])[] }).shapes ?? null) : null;
    failedNode = nodeOf(e.node) ?? null;
    // Name the model's node (a Keras layer rather than the op it was lowered to) in the message.
    const node = failedNode?.name ?? e.node;
    const op = failedNode?.opType ?? e.op;
    const detail = e.detail.startsWith(`${e.op}: `) ? e.detail.slice(e.op.length + 2) : e.detail;
    const lowered = e.op !== op && !detail.startsWith(e.op) ? ` (in the lowered ${e.op})` : "";
    failure = { node, op, code: e.code, message: e.node === "" ? e.message : `${describeNode(node, op)}: ${detail}${lowered}`, shapes };
  }
  const elapsedMs = performance.now() - t0;
  return { values, failure, failedNode, report: { ok: failure === null, failure, nodesRun: failure === null ? total : done, nodesTotal: total, elapsedMs }, peakRssBytes: peak };
}

// ---------------------------------------------------------------------------------------------
// Sizes.

interface Sizes {
  readonly env: Map<string, number>;
  readonly chosen: ChosenSize[];
  readonly inputs: Map<string, number[]>;
  readonly concrete: ShapeResult;
}

function inputDimsAt(shapes: ShapeResult, env: SizeEnv): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [name, shape] of shapes.inputShapes) out.set(name, (shape ?? []).map((d) => evalDim(d as Dim, env)));
  return out;
}

function propagateAt(model: Model, inputs: ReadonlyMap<string, readonly number[]>): ShapeResult {
  const bindings = new Map<string, InputBinding>();
  for (const [name, dims] of inputs) bindings.set(name, [...dims]);
  return propagate(model, { inputShapes: bindings });
}

/** Concrete sizes for every symbolic input dim, and the propagation at those sizes. */
function chooseSizes(model: Model, shapes: ShapeResult): Sizes {
  const batch = new Set<string>();
  const open = new Set<string>();
  for (const vi of model.graph.inputs) {
    const shape = shapes.inputShapes.get(vi.name);
    if (shape === null || shape === undefined) {
      throw new VerifyError("INPUT_SHAPE_REQUIRED", `input '${vi.name}' has no declared shape; pass its dims with --input-shape ${vi.name}=d0,d1,...`);
    }
    shape.forEach((d, axis) => {
      if (d === null) {
        throw new VerifyError("INPUT_SHAPE_REQUIRED", `dim ${axis} of input '${vi.name}' is unknown; pass its dims with --input-shape ${vi.name}=d0,d1,...`);
      }
      if (isConst(d)) return;
      for (const s of symbolsOf(d)) (axis === 0 ? batch : open).add(s);
    });
  }
  for (const s of batch) open.delete(s);
  const env = new Map<string, number>();
  const chosen: ChosenSize[] = [];
  for (const s of [...batch].sort()) {
    env.set(s, 1);
    chosen.push({ symbol: s, size: 1, reason: "batch" });
  }
  if (open.size === 0) {
    const inputs = inputDimsAt(shapes, env);
    return { env, chosen, inputs, concrete: propagateAt(model, inputs) };
  }
  const names = [...open].sort();
  let first: { size: number; inputs: Map<string, number[]>; concrete: ShapeResult } | null = null;
  for (const size of DEFAULT_SIZES) {
    const trial = new Map(env);
    for (const s of names) trial.set(s, size);
    const inputs = inputDimsAt(shapes, trial);
    let concrete: ShapeResult;
    try {
      concrete = propagateAt(model, inputs);
    } catch {
      continue;
    }
    first ??= { size, inputs, concrete };
    if (concrete.contradictions.length === 0) {
      for (const s of names) {
        env.set(s, size);
        chosen.push({ symbol: s, size, reason: "default" });
      }
      return { env, chosen, inputs, concrete };
    }
  }
  if (first === null) throw new VerifyError("INPUT_SHAPE_REQUIRED", `no default size works for ${names.join(", ")}; pass the input dims with --input-shape`);
  for (const s of names) {
    env.set(s, first.size);
    chosen.push({ symbol: s, size: first.size, reason: "fallback" });
  }
  return { env, chosen, inputs: first.inputs, concrete: first.concrete };
}

// ---------------------------------------------------------------------------------------------
// Comparing.

function evalShape(shape: Shape | null | undefined, env: SizeEnv): (number | null)[] | null {
  if (shape === null || shape === undefined) return null;
  return shape.map((d) => {
    if (d === null) return null;
    try {
      return evalDim(d, env);
    } catch {
      return null;
    }
  });
}

function numeric(shape: Shape | null | undefined): (number | null)[] | null {
  return shape === null || shape === undefined ? null : shape.map((d) => (typeof d === "number" ? d : null));
}

/** True when two shapes have the same rank and agree on every dim known in both. */
function agrees(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || b[i] === undefined || d === b[i]);
}

/** `[1, 4, 33, 33]`; unknown dims as `?`, an unknown rank as `[?]`. */
export function formatDims(dims: readonly (number | null)[] | null): string {
  return dims === null ? "[?]" : `[${dims.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;
}

/** Nodes with a contradiction in either propagation, and every node downstream of them. */
function poisonedNodes(model: Model, results: readonly ShapeResult[]): Set<Node> {
  const flagged = new Set<Node>();
  for (const r of results) for (const c of r.contradictions) flagged.add(c.node);
  return downstream(model, flagged);
}

function downstream(model: Model, from: Iterable<Node>): Set<Node> {
  const consumers = new Map<string, Node[]>();
  for (const n of model.graph.nodes) for (const v of n.inputs) if (v !== "") (consumers.get(v) ?? consumers.set(v, []).get(v)!).push(n);
  const out = new Set<Node>();
  const stack = [...from];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (out.has(n)) continue;
    out.add(n);
    for (const o of n.outputs) for (const c of consumers.get(o) ?? []) stack.push(c);
  }
  return out;
}

function envText(env: SizeEnv): string {
  return [...env].map(([k, v]) => `${k}=${v}`).join(", ");
}

// ---------------------------------------------------------------------------------------------
// The verification.

/**
 * Verify a loaded model: lint it, run it on the CPU kernel at concrete sizes, compare every
 * value's shape, confirm the findings and their fixes. Throws {@link VerifyError} when an input
 * size cannot be chosen or a Keras layer cannot be run, and `LoadError` for bad bindings.
 */
export function verifyModel(model: Model, options: VerifyOptions = {}): VerifyResult {
  const t0 = performance.now();
  const seed = options.seed ?? 1;
  const rules = options.rules ?? RULES;
  const shapes = propagate(model, { inputShapes: new Map<string, InputBinding>(options.inputShapes ?? []) });
  const findings = lint(model, shapes, {
    rules,
    ...(options.severities ? { severities: options.severities } : {}),
    ...(options.expectOutput ? { expectOutput: options.expectOutput } : {}),
  });
  const { env, chosen, inputs, concrete } = chooseSizes(model, shapes);
  const main = execute(model, concrete, inputs, seed, "run", options.onProgress);
  let peak = main.peakRssBytes;
  const discrepancies: Discrepancy[] = [];
  const byName = new Map<string, Node>();
  for (const n of model.graph.nodes) if (!byName.has(n.name)) byName.set(n.name, n);
  const poisoned = poisonedNodes(model, [shapes, concrete]);
  const at = envText(env);

  // Is the failure a kernel limitation, a predicted failure, or a surprise?
  let cannotRun: string | null = null;
  const failure = main.failure;
  if (failure !== null) {
    const node = main.failedNode;
    if (CANNOT_RUN_CODES.has(failure.code)) cannotRun = failure.message;
    else if (node === null || !poisoned.has(node)) {
      discrepancies.push({ kind: "failure", node: failure.node, value: null, message: `the run failed at ${describeNode(failure.node, failure.op)}, where the static shapes predict no failure: ${failure.message}` });
    }
  }

  // Every value: runtime vs static.
  const values: ValueCheck[] = [];
  const check = (name: string, node: Node | null): void => {
    const info = shapes.values.get(name);
    const symbolic = jsonShape(info?.shape);
    const evaluated = evalShape(info?.shape, env);
    const atConcrete = numeric(concrete.values.get(name)?.shape);
    // Where the formula is unknown, the propagation at the concrete sizes may still know the dim.
    let staticShape = evaluated;
    if (staticShape === null) staticShape = atConcrete;
    else if (atConcrete !== null && atConcrete.length === staticShape.length) staticShape = staticShape.map((d, i) => d ?? atConcrete[i] ?? null);
    const isPoisoned = node !== null && poisoned.has(node);
    if (evaluated !== null && atConcrete !== null && !isPoisoned && !agrees(evaluated, atConcrete)) {
      discrepancies.push({
        kind: "symbolic",
        node: node?.name ?? null,
        value: name,
        message: `the static shape of '${name}' ${JSON.stringify(symbolic)} is ${formatDims(evaluated)} at ${at}, but propagation at those sizes gives ${formatDims(atConcrete)}`,
      });
    }
    const shape = main.values.get(name) ?? null;
    let status: ValueStatus;
    if (shape === null) status = main.failure !== null ? "not-run" : "unknown";
    else if (staticShape === null || (staticShape.length > 0 && staticShape.every((d) => d === null))) status = "unknown";
    else if (agrees(staticShape, shape)) status = "match";
    else if (isPoisoned) status = "flagged";
    else if (shapes.fromDeclaration.has(name)) status = "declared";
    else {
      status = "mismatch";
      discrepancies.push({
        kind: "shape",
        node: node?.name ?? null,
        value: name,
        message: `'${name}'${node ? ` (output of ${describeNode(node.name, node.opType)})` : ""} is ${formatDims(shape)} at run time but ${formatDims(staticShape)} statically${symbolic && symbolic.some((d) => typeof d === "string") ? ` (${JSON.stringify(symbolic)} at ${at})` : ""}`,
      });
    }
    values.push({ name, node: node?.name ?? null, op: node?.opType ?? null, shape, staticShape, symbolic, status });
  };
  for (const vi of model.graph.inputs) check(vi.name, null);
  for (const node of shapes.order) for (const o of node.outputs) if (o !== "") check(o, node);

  // Findings.
  const checks: FindingCheck[] = [];
  for (const f of findings) {
    const c = checkFinding(f, { model, shapes, concrete, env, inputs, seed, main, byName, onProgress: options.onProgress });
    peak = Math.max(peak, c.peak);
    if (c.discrepancy) discrepancies.push(c.discrepancy);
    checks.push(c.check);
  }

  const errorsConfirmed = checks.some((c) => c.severity === "error" && c.status === "confirmed");
  const predictedFailure = failure !== null && cannotRun === null && !discrepancies.some((d) => d.kind === "failure");
  const exitCode: 0 | 1 | 2 = discrepancies.length > 0 || cannotRun !== null ? 2 : errorsConfirmed || predictedFailure ? 1 : 0;
  return {
    file: options.file ?? model.file,
    format: model.format,
    seed,
    inputs: [...inputs].map(([name, shape]) => ({ name, shape })),
    sizes: chosen,
    outputs: model.graph.outputs.map((o) => o.name),
    run: main.report,
    values,
    findings: checks,
    discrepancies,
    cannotRun,
    peakRssBytes: peak,
    elapsedMs: performance.now() - t0,
    exitCode,
  };
}

interface FindingContext {
  readonly model: Model;
  readonly shapes: ShapeResult;
  readonly concrete: ShapeResult;
  readonly env: SizeEnv;
  readonly inputs: ReadonlyMap<string, readonly number[]>;
  readonly seed: number;
  readonly main: Execution;
  readonly byName: ReadonlyMap<string, Node>;
  readonly onProgress: ((p: VerifyProgress) => void) | undefined;
}

/** The graph output a decoder finding is about: the one it names, else the one whose shape it quotes. */
function findingOutput(f: Finding, ctx: FindingContext): string | null {
  const named = f.data["output"];
  if (typeof named === "string" && ctx.model.graph.outputs.some((o) => o.name === named)) return named;
  const quoted = JSON.stringify(f.actual);
  const match = ctx.model.graph.outputs.find((o) => JSON.stringify(jsonShape(ctx.shapes.values.get(o.name)?.shape)) === quoted);
  return match?.name ?? ctx.model.graph.outputs[0]?.name ?? null;
}

function sameKnown(real: readonly number[], target: readonly (number | null)[]): boolean {
  return agrees(target, real);
}

function checkFinding(f: Finding, ctx: FindingContext): { check: FindingCheck; discrepancy: Discrepancy | null; peak: number } {
  const base = { ruleId: f.ruleId, severity: f.severity, node: f.node, op: f.op, message: f.message, condition: f.condition, fix: f.fix };
  const failure = ctx.main.failure;
  const node = ctx.byName.get(f.node);
  let status: FindingStatus = "not-checked";
  let real: string | null = null;
  let output: string | null = null;
  let realShape: readonly number[] | null = null;
  let target: (number | null)[] | null = null;
  let discrepancy: Discrepancy | null = null;
  const reached = node !== undefined && node.outputs.some((o) => o !== "" && ctx.main.values.has(o));
  const failedHere = failure !== null && node !== undefined && ctx.main.failedNode === node;

  if (f.ruleId === "decoder-output-mismatch") {
    output = findingOutput(f, ctx);
    target = evalJsonShape(f.expected, ctx.env);
    const predicted = evalJsonShape(f.actual, ctx.env);
    const predictedWrong = target !== null && predicted !== null && !agrees(target, predicted);
    const got = output === null ? undefined : ctx.main.values.get(output);
    if (got !== undefined) {
      realShape = got;
      if (predictedWrong && target !== null && !sameKnown(got, target)) {
        status = "confirmed";
        real = `output '${output}' is ${formatDims(got)} at run time, not ${formatDims(target)}`;
      } else if (predictedWrong) {
        status = "contradicted";
        real = `output '${output}' is ${formatDims(got)} at run time, the target size`;
        discrepancy = { kind: "finding", node: f.node, value: output, message: `${f.ruleId} at ${f.node} predicts output '${output}' ${formatDims(predicted)}, but the run gives ${formatDims(got)}` };
      } else {
        status = f.condition !== null ? "not-exercised" : "not-checked";
        real = `output '${output}' is ${formatDims(got)} at run time`;
      }
    } else if (failure !== null) {
      // The run stopped before the output: the wrong size surfaced as a failure downstream.
      const failedNode = ctx.main.failedNode;
      const after = node !== undefined && failedNode !== null && downstream(ctx.model, [node]).has(failedNode);
      status = predictedWrong && (after || failedHere) ? "confirmed" : "not-reached";
      real = failure.message;
    }
  } else if (f.ruleId === "merge-shape-mismatch") {
    const predicted = ctx.concrete.contradictions.some((c) => c.node.name === f.node && MERGE_CODES.has(c.code));
    if (failedHere) {
      status = "confirmed";
      real = failure.message;
    } else if (!reached) {
      status = failure !== null ? "not-reached" : "not-checked";
      if (failure !== null) real = failure.message;
    } else if (predicted) {
      status = "contradicted";
      real = `${f.node} ran at ${envText(ctx.env)}`;
      discrepancy = { kind: "finding", node: f.node, value: null, message: `${f.ruleId} predicts that ${f.node} fails at ${envText(ctx.env)}, but it ran` };
    } else {
      status = f.condition !== null ? "not-exercised" : "not-checked";
    }
  } else if (failedHere) {
    status = "confirmed";
    real = failure.message;
  }

  let fixVerified: boolean | null = null;
  let fixNote: string | null = null;
  let fixRun: RunReport | null = null;
  let peak = 0;
  if (VERIFIED_RULES.has(f.ruleId)) {
    if (status !== "confirmed") fixNote = status === "not-exercised" ? "the finding does not hold at this size" : "not tried: the run does not show the finding";
    else if (f.fix.length === 0) fixNote = "no fix";
    else {
      const fixed = applyFixSteps(ctx.model, f.fix);
      if (fixed === null) fixNote = "the fix is not an attribute change of the file's graph (e.g. a layer to insert); not run";
      else {
        // Keras weights are shaped from a propagation of the fixed copy; ONNX runs need none.
        let concreteFixed: ShapeResult | null = ctx.model.format === "keras" ? null : ctx.concrete;
        let propagateError = "";
        if (concreteFixed === null) {
          try {
            concreteFixed = propagateAt(fixed, ctx.inputs);
          } catch (e) {
            propagateError = e instanceof Error ? e.message : String(e);
          }
        }
        let run: Execution | null = null;
        if (concreteFixed !== null) {
          try {
            run = execute(fixed, concreteFixed, ctx.inputs, ctx.seed, `fix ${f.node}`, ctx.onProgress);
          } catch (e) {
            if (!(e instanceof VerifyError)) throw e;
            propagateError = e.message;
          }
        }
        if (run === null) {
          fixVerified = false;
          fixNote = `the fixed copy cannot be run: ${propagateError}`;
        } else {
          peak = run.peakRssBytes;
          fixRun = run.report;
          if (run.failure !== null) {
            fixVerified = false;
            // Say whether the fix at least got the finding's own node through.
            const passed = node !== undefined && run.failedNode?.name !== node.name && node.outputs.some((o) => o !== "" && run!.values.has(o));
            fixNote = `with the fix the run fails: ${run.failure.message}${passed ? ` (${f.node} itself now runs)` : ""}`;
          } else if (f.ruleId === "decoder-output-mismatch") {
            const got = output === null ? undefined : run.values.get(output);
            fixVerified = got !== undefined && target !== null && sameKnown(got, target);
            fixNote = got === undefined ? "with the fix the run gives no output" : `with the fix, output '${output}' is ${formatDims(got)}`;
          } else {
            fixVerified = true;
            const outs = ctx.model.graph.outputs.map((o) => `'${o.name}' ${formatDims(run.values.get(o.name) ?? null)}`);
            fixNote = `with the fix the run succeeds (${f.node} runs; output ${outs.join(", ")})`;
          }
        }
      }
    }
  }
  return { check: { ...base, status, real, output, realShape, target, fixVerified, fixNote, fixRun }, discrepancy, peak };
}
