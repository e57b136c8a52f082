/**
 * Keras recurrent layers and layer wrappers. `LSTM`/`GRU`/`SimpleRNN` map `(batch, time,
 * features)` to `(batch, time, units)` with `return_sequences`, else `(batch, units)`, plus one
 * `(batch, units)` state output per state with `return_state` (two for LSTM). `Bidirectional`
 * runs its inner layer twice and merges (`concat` doubles the last axis; `null` keeps both).
 * `TimeDistributed` applies its inner layer to `(batch,) + shape[2:]` and puts the time axis
 * back (Keras `TimeDistributed.compute_output_shape`). The inner layer of a wrapper is a config
 * (`config.layer`), not a graph node; its shape function is looked up by class name.
 */
import { mul } from "../../../ir/dim.js";
import type { Attr, Node } from "../../../ir/graph.js";
import type { InferContext, InferResult, OpDef } from "../../define-op.js";
import { type TensorInfo, tensor } from "../../tensor-info.js";
import { ConfigError, intOf, layerDtype, raw } from "./config.js";
import { expectRank, kerasOps } from "./define.js";
import { canonicalClassName } from "./names.js";

const RNN_ATTRS = [
  "units",
  "return_sequences",
  "return_state",
  "go_backwards",
  "stateful",
  "unroll",
  "time_major",
  "activation",
  "recurrent_activation",
  "use_bias",
  "kernel_initializer",
  "recurrent_initializer",
  "bias_initializer",
  "unit_forget_bias",
  "kernel_regularizer",
  "recurrent_regularizer",
  "bias_regularizer",
  "kernel_constraint",
  "recurrent_constraint",
  "bias_constraint",
  "dropout",
  "recurrent_dropout",
  "implementation",
  "reset_after",
  "seed",
  "use_cudnn",
  "zero_output_for_mask",
  "cell",
  // Keras 1
  "output_dim",
  "init",
  "inner_init",
  "forget_bias_init",
  "inner_activation",
  "W_regularizer",
  "U_regularizer",
  "b_regularizer",
  "dropout_W",
  "dropout_U",
  "consume_less",
  "input_dim",
  "input_length",
];

function rnnInfer(states: number): (ctx: InferContext) => InferResult {
  return (ctx) => {
    const x = ctx.input(0);
    if (!x || x.shape === null) return null;
    if (!expectRank(ctx, x.shape, 3)) return null;
    const units = intOf(ctx, ["units", "output_dim"]);
    const timeMajor = raw(ctx, "time_major") === true;
    const batch = x.shape[timeMajor ? 1 : 0] ?? null;
    const time = x.shape[timeMajor ? 0 : 1] ?? null;
    const dtype = layerDtype(ctx, x);
    const seq = raw(ctx, "return_sequences") === true;
    const main = tensor(dtype, seq ? (timeMajor ? [time, batch, units] : [batch, time, units]) : [batch, units]);
    const outs: TensorInfo[] = [main];
    if (raw(ctx, "return_state") === true) for (let i = 0; i < states; i++) outs.push(tensor(dtype, [batch, units]));
    return outs;
  };
}

/** A shape-function lookup by canonical Keras class name (set by the registry of Keras ops). */
export type KerasOpLookup = (type: string) => OpDef | undefined;

/** The inner layer config of a wrapper: `{class_name, config}`. */
function innerLayer(ctx: InferContext): { type: string; config: Record<string, unknown> } {
  const layer = raw(ctx, "layer");
  if (layer === null || typeof layer !== "object" || Array.isArray(layer)) throw new ConfigError("layer", "'layer' must be a layer config {class_name, config}");
  const l = layer as Record<string, unknown>;
  const cls = l["class_name"];
  const cfg = l["config"];
  if (typeof cls !== "string" || cfg === null || typeof cfg !== "object" || Array.isArray(cfg)) throw new ConfigError("layer", "'layer' must be a layer config {class_name, config}");
  return { type: canonicalClassName(cls), config: cfg as Record<string, unknown> };
}

/** A context that shows the inner layer's config and the given inputs; findings go to the wrapper node. */
function innerContext(ctx: InferContext, type: string, config: Record<string, unknown>, inputs: readonly (TensorInfo | null)[]): InferContext {
  const attr = (name: string): Attr | undefined => (Object.hasOwn(config, name) ? { type: "json", value: config[name] } : undefined);
  const node: Node = { ...ctx.node, opType: type };
  return {
    node,
    opset: ctx.opset,
    graph: ctx.graph,
    inputCount: inputs.length,
    hasInput: (i) => i < inputs.length,
    input: (i) => inputs[i] ?? null,
    constInput: () => null,
    attr,
    int: ((_name: string, fallback?: number) => fallback) as InferContext["int"],
    ints: ((_name: string, fallback?: readonly number[]) => fallback) as InferContext["ints"],
    float: (_name, fallback) => fallback,
    floats: () => undefined,
    string: ((_name: string, fallback?: string) => fallback) as InferContext["string"],
    contradiction: (code, message, data) => ctx.contradiction(code, message, data),
    fact: (kind, data) => ctx.fact(kind, data),
    require: (dim, what, min) => ctx.require(dim, what, min),
    subgraph: (g, ins) => ctx.subgraph(g, ins),
  };
}

function runInner(ctx: InferContext, lookup: KerasOpLookup, input: TensorInfo): InferResult {
  const { type, config } = innerLayer(ctx);
  const def = lookup(type);
  if (!def) {
    ctx.fact("unsupported-inner-layer", { layer: type });
    return null;
  }
  return def.infer(innerContext(ctx, type, config, [input]));
}

function bidirectionalInfer(lookup: KerasOpLookup): (ctx: InferContext) => InferResult {
  return (ctx) => {
    const x = ctx.input(0);
    if (!x) return null;
    const inner = runInner(ctx, lookup, x);
    const fwd = inner?.[0] ?? null;
    if (!fwd || fwd.shape === null) return null;
    const mode = raw(ctx, "merge_mode");
    const merge = mode === undefined ? "concat" : mode;
    const states = (inner ?? []).slice(1);
    if (merge === null) return [fwd, fwd, ...states, ...states];
    const last = fwd.shape[fwd.shape.length - 1] ?? null;
    const shape = [...fwd.shape];
    if (merge === "concat") shape[shape.length - 1] = last === null ? null : mul(last, 2);
    else if (merge !== "sum" && merge !== "mul" && merge !== "ave") throw new ConfigError("merge_mode", `unknown merge_mode ${JSON.stringify(mode)}`);
    return [tensor(fwd.dtype, shape), ...states, ...states];
  };
}

function timeDistributedInfer(lookup: KerasOpLookup): (ctx: InferContext) => InferResult {
  return (ctx) => {
    const x = ctx.input(0);
    if (!x || x.shape === null) return null;
    if (!expectRank(ctx, x.shape, { min: 3 })) return null;
    const inner = runInner(ctx, lookup, tensor(x.dtype, [x.shape[0] ?? null, ...x.shape.slice(2)]));
    const y = inner?.[0] ?? null;
    if (!y || y.shape === null) return null;
    return [tensor(y.dtype, [y.shape[0] ?? null, x.shape[1] ?? null, ...y.shape.slice(1)])];
  };
}

/** Keras recurrent layers. */
export const KERAS_RNN_OPS: readonly OpDef[] = [
  ...kerasOps(["LSTM"], RNN_ATTRS, rnnInfer(2)),
  ...kerasOps(["GRU", "SimpleRNN"], RNN_ATTRS, rnnInfer(1)),
];

/** Wrappers whose inner layer is found with `lookup`. */
export function kerasWrapperOps(lookup: KerasOpLookup): OpDef[] {
  return [
    ...kerasOps(["Bidirectional"], ["layer", "merge_mode", "backward_layer", "weights"], bidirectionalInfer(lookup)),
    ...kerasOps(["TimeDistributed"], ["layer"], timeDistributedInfer(lookup)),
  ];
}
