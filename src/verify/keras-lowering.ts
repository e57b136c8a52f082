/**
 * Keras layers as ONNX ops for the CPU reference kernel, so that `verify` can run a Keras model
 * file (which holds no weights, or weights we do not read) with weights drawn at random from the
 * shapes in its config.
 *
 * Every Keras-level value keeps its name and its Keras layout (channels_last unless the layer
 * says otherwise): spatial layers are wrapped in `Transpose` NHWC -> NCHW -> NHWC, so the runtime
 * shape of each Keras value can be compared with the propagated one as it is. Auxiliary values
 * and nodes are named `<layer>/#<what>` and map back to their layer for error messages.
 *
 * Independence: no size formula of `src/shapes` is used here. Forward convs and pools use ONNX
 * `auto_pad` (the kernel counts the windows itself); transposed convs get the ONNX `pads` /
 * `output_padding` that express Keras' choice of output size (Keras 2 `deconv_output_length`,
 * Keras 3 `compute_conv_transpose_output_shape`) as constants, so the kernel's scatter loop
 * decides the size from the runtime input. The static shapes are read only for what a layer's
 * weights need (input channels, Dense input features, PReLU/normalization parameter shapes) and
 * for ranks; a wrong static shape there shows up as a kernel failure or a mismatch at run time.
 */
import type { Attr, Graph, Model, Node, TensorConst, ValueInfo } from "../ir/graph.js";
import { KernelError } from "../kernels/errors.js";
import { mulberry32, type Tensor, tensorFrom } from "../kernels/tensor.js";
import type { ShapeResult } from "../shapes/propagate.js";

/** ONNX opset of the lowered graph (Reduce* and Pad take axes/pads as inputs). */
const LOWERED_OPSET = 18;

/** A Keras layer that cannot be run on the kernel (unknown class or unsupported configuration). */
export class LoweringError extends Error {
  override readonly name = "LoweringError";
  /** Keras node (layer call) name. */
  readonly node: string;
  /** Keras class name. */
  readonly op: string;
  readonly reason: string;
  constructor(node: string, op: string, reason: string) {
    super(`cannot run layer ${node} (${op}): ${reason}`);
    this.node = node;
    this.op = op;
    this.reason = reason;
  }
}

/** A Keras model as an ONNX-domain graph plus what the executor needs to run it. */
export interface LoweredModel {
  readonly model: Model;
  /** Supplies initializers: seeded random weights and the small constants of the lowering. */
  readonly readTensor: (t: TensorConst) => Tensor;
  /** Keras node name of every lowered node. */
  readonly layerOf: ReadonlyMap<string, string>;
}

type Json = unknown;

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

/** Unwrap SavedModel `{"class_name": "__tuple__", "items": [...]}` wrappers. */
function untuple(v: Json): Json {
  let cur = v;
  while (cur !== null && typeof cur === "object" && !Array.isArray(cur)) {
    const o = cur as Record<string, unknown>;
    if ((o["class_name"] === "__tuple__" || o["class_name"] === "TensorShape") && Array.isArray(o["items"])) cur = o["items"];
    else break;
  }
  return cur;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** How a random parameter tensor is drawn. */
type Fill = { kind: "uniform"; scale: number } | { kind: "range"; lo: number; hi: number };

class Lowering {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, TensorConst>();
  readonly makers = new Map<string, () => Tensor>();
  readonly layerOf = new Map<string, string>();
  private readonly shapes: ShapeResult;
  private readonly seed: number;
  private layer!: Node;
  private counter = 0;

  constructor(shapes: ShapeResult, seed: number) {
    this.shapes = shapes;
    this.seed = seed;
  }

  // -------------------------------------------------------------------------------------------
  // Reading the layer.

  fail(reason: string): never {
    throw new LoweringError(this.layer.name, this.layer.opType, reason);
  }

  /** The raw config value of the first present key. */
  cfg(...names: string[]): Json {
    for (const n of names) {
      const a = this.layer.attrs.get(n);
      if (a !== undefined) return untuple(a.value);
    }
    return undefined;
  }

  has(...names: string[]): boolean {
    return names.some((n) => this.layer.attrs.has(n));
  }

  int(names: readonly string[], fallback?: number): number {
    let v = this.cfg(...names);
    if (Array.isArray(v) && v.length === 1) v = v[0];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(`'${names[0]}' is missing`);
    }
    if (!isInt(v)) this.fail(`'${names[0]}' must be an integer, got ${JSON.stringify(v)}`);
    return v;
  }

  /** `normalize_tuple`: an int repeated n times or a list of n ints. */
  tuple(names: readonly string[], n: number, fallback?: number): number[] {
    const v = this.cfg(...names);
    if (v === undefined || v === null) {
      if (fallback !== undefined) return new Array<number>(n).fill(fallback);
      this.fail(`'${names[0]}' is missing`);
    }
    if (isInt(v)) return new Array<number>(n).fill(v);
    if (Array.isArray(v) && v.length === n && v.every(isInt)) return [...(v as number[])];
    this.fail(`'${names[0]}' must be an integer or ${n} integers, got ${JSON.stringify(v)}`);
  }

  channelsFirst(): boolean {
    const v = this.cfg("data_format", "dim_ordering");
    if (v === "channels_first" || v === "th") return true;
    if (v === undefined || v === null || v === "channels_last" || v === "tf" || v === "default") return false;
    this.fail(`unknown data_format ${JSON.stringify(v)}`);
  }

  padding(allowed: readonly string[]): string {
    const v = this.cfg("padding", "border_mode");
    if (v === undefined || v === null) return "valid";
    const p = typeof v === "string" ? v.toLowerCase() : "";
    if (!allowed.includes(p)) this.fail(`padding ${JSON.stringify(v)} is not one of ${allowed.join(", ")}`);
    return p;
  }

  /** Static shape of a value (the concrete propagation); `null` when unknown. */
  staticShape(value: string): readonly (number | null)[] | null {
    const s = this.shapes.values.get(value)?.shape;
    if (!s) return null;
    return s.map((d) => (typeof d === "number" ? d : null));
  }

  rank(value: string): number {
    const s = this.staticShape(value);
    if (s === null) this.fail(`the rank of input '${value}' is not known statically`);
    return s.length;
  }

  /** A dim the layer's weights need; it must be known statically. */
  staticDim(value: string, axis: number, what: string): number {
    const s = this.staticShape(value);
    const a = s === null ? -1 : axis < 0 ? s.length + axis : axis;
    const d = s?.[a];
    if (d === null || d === undefined) this.fail(`${what} (axis ${axis} of '${value}') is not known statically`);
    return d;
  }

  input(i = 0): string {
    const v = this.layer.inputs[i];
    if (v === undefined || v === "") this.fail(`input ${i} is missing`);
    return v;
  }

  // -------------------------------------------------------------------------------------------
  // Emitting.

  tmp(what: string): string {
    return `${this.layer.name}/#${what}${this.counter++}`;
  }

  emit(op: string, inputs: readonly string[], output: string, attrs: Record<string, Attr> = {}): string {
    // The node that writes the layer's value carries the layer's name; helpers get `<layer>/#<op><k>`.
    const name = output === this.layer.outputs[0] ? this.layer.name : `${this.layer.name}/#${op}${this.counter++}`;
    this.nodes.push({ name, opType: op, domain: "", inputs: [...inputs], outputs: [output], attrs: new Map(Object.entries(attrs)), loc: this.layer.loc });
    this.layerOf.set(name, this.layer.name);
    return output;
  }

  /** A random float32 parameter of the given dims, drawn when its first consumer runs. */
  param(what: string, dims: readonly number[], fill: Fill): string {
    const name = this.tmp(what);
    this.initializers.set(name, { name, dtype: "float32", dims: [...dims], data: { kind: "none" } });
    const seed = (hashString(name) ^ Math.imul(this.seed, 0x9e3779b1)) >>> 0;
    this.makers.set(name, () => {
      const rnd = mulberry32(seed);
      let n = 1;
      for (const d of dims) n *= d;
      const data = new Float32Array(n);
      if (fill.kind === "uniform") for (let i = 0; i < n; i++) data[i] = (rnd() * 2 - 1) * fill.scale;
      else for (let i = 0; i < n; i++) data[i] = fill.lo + (fill.hi - fill.lo) * rnd();
      return { dtype: "float32", dims: [...dims], data };
    });
    return name;
  }

  weight(what: string, dims: readonly number[], fanIn: number): string {
    return this.param(what, dims, { kind: "uniform", scale: 1 / Math.sqrt(Math.max(1, fanIn)) });
  }

  constant(what: string, dtype: "int64" | "float32", values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.tmp(what);
    this.initializers.set(name, { name, dtype, dims: [...dims], data: { kind: "none" }, values: [...values] });
    this.makers.set(name, () => tensorFrom(dtype, dims, values));
    return name;
  }

  // -------------------------------------------------------------------------------------------
  // Building blocks.

  /** Keras activation (a string, or a Keras 3 `{class_name: "function", config: "relu"}`) on `x`, written to `out`. */
  activation(x: string, out: string, spec: Json = this.cfg("activation")): string {
    let name = spec;
    if (name !== null && typeof name === "object" && !Array.isArray(name)) {
      const o = name as Record<string, unknown>;
      name = typeof o["config"] === "string" ? o["config"] : typeof o["registered_name"] === "string" ? o["registered_name"] : o["class_name"];
    }
    if (name === undefined || name === null || name === "linear" || name === "None") return x === out ? x : this.emit("Identity", [x], out);
    if (typeof name !== "string") this.fail(`activation ${JSON.stringify(spec)} is not supported`);
    const unary: Record<string, [string, Record<string, Attr>]> = {
      relu: ["Relu", {}],
      sigmoid: ["Sigmoid", {}],
      tanh: ["Tanh", {}],
      softmax: ["Softmax", { axis: { type: "int", value: -1 } }],
      log_softmax: ["LogSoftmax", { axis: { type: "int", value: -1 } }],
      elu: ["Elu", {}],
      selu: ["Selu", {}],
      softplus: ["Softplus", {}],
      softsign: ["Softsign", {}],
      hard_sigmoid: ["HardSigmoid", {}],
      hard_swish: ["HardSwish", {}],
      hard_silu: ["HardSwish", {}],
      exponential: ["Exp", {}],
      gelu: ["Gelu", {}],
      mish: ["Mish", {}],
      leaky_relu: ["LeakyRelu", { alpha: { type: "float", value: 0.2 } }],
    };
    const u = unary[name];
    if (u) return this.emit(u[0], [x], out, u[1]);
    if (name === "swish" || name === "silu") {
      const s = this.emit("Sigmoid", [x], this.tmp("sigmoid"));
      return this.emit("Mul", [x, s], out);
    }
    if (name === "relu6") return this.emit("Clip", [x, this.constant("min", "float32", [0], []), this.constant("max", "float32", [6], [])], out);
    this.fail(`activation '${name}' is not supported`);
  }

  /** Channels-last rank-r tensor to channels-first (`Transpose`), or `x` itself when already channels-first. */
  toChannelsFirst(x: string, rank: number, first: boolean): string {
    if (first) return x;
    const perm = [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
    return this.emit("Transpose", [x], this.tmp("nchw"), { perm: { type: "ints", value: perm } });
  }

  toLayout(x: string, rank: number, first: boolean, out: string): string {
    if (first) return x === out ? x : this.emit("Identity", [x], out);
    const perm = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
    return this.emit("Transpose", [x], out, { perm: { type: "ints", value: perm } });
  }

  // -------------------------------------------------------------------------------------------
  // Layers.

  lower(layer: Node): void {
    this.layer = layer;
    this.counter = 0;
    const op = layer.opType;
    if (layer.outputs.length !== 1) this.fail(`layers with ${layer.outputs.length} outputs are not supported`);
    const m = /^(Conv|SeparableConv|DepthwiseConv)([123])D$/.exec(op);
    if (m) return this.conv(Number(m[2]), m[1] === "Conv" ? "conv" : m[1] === "SeparableConv" ? "separable" : "depthwise");
    const t = /^Conv([123])DTranspose$/.exec(op);
    if (t) return this.convTranspose(Number(t[1]));
    const p = /^(Max|Average)Pooling([123])D$/.exec(op);
    if (p) return this.pool(Number(p[2]), p[1] === "Max" ? "MaxPool" : "AveragePool");
    const g = /^Global(Max|Average)Pooling([123])D$/.exec(op);
    if (g) return this.globalPool(Number(g[2]), g[1] === "Max" ? "ReduceMax" : "ReduceMean");
    const u = /^UpSampling([123])D$/.exec(op);
    if (u) return this.upsample(Number(u[1]));
    const z = /^(ZeroPadding|Cropping)([123])D$/.exec(op);
    if (z) return this.padCrop(Number(z[2]), z[1] === "ZeroPadding" ? 1 : -1);
    switch (op) {
      case "InputLayer":
      case "Dropout":
      case "SpatialDropout1D":
      case "SpatialDropout2D":
      case "SpatialDropout3D":
      case "GaussianNoise":
      case "GaussianDropout":
      case "AlphaDropout":
      case "ActivityRegularization":
      case "Identity":
      case "RandomFlip":
      case "RandomRotation":
      case "RandomZoom":
      case "RandomContrast":
      case "RandomTranslation":
      case "RandomBrightness":
        // Inference-time identities.
        this.emit("Identity", [this.input()], layer.outputs[0]!);
        return;
      case "Dense":
        return this.dense();
      case "Activation":
        this.activation(this.input(), layer.outputs[0]!);
        return;
      case "ReLU":
        return this.relu();
      case "LeakyReLU": {
        const alpha = this.cfg("negative_slope", "alpha");
        this.emit("LeakyRelu", [this.input()], layer.outputs[0]!, { alpha: { type: "float", value: typeof alpha === "number" ? alpha : 0.3 } });
        return;
      }
      case "ELU": {
        const alpha = this.cfg("alpha");
        this.emit("Elu", [this.input()], layer.outputs[0]!, { alpha: { type: "float", value: typeof alpha === "number" ? alpha : 1 } });
        return;
      }
      case "ThresholdedReLU": {
        const theta = this.cfg("theta");
        this.emit("ThresholdedRelu", [this.input()], layer.outputs[0]!, { alpha: { type: "float", value: typeof theta === "number" ? theta : 1 } });
        return;
      }
      case "PReLU":
        return this.prelu();
      case "Softmax": {
        const axis = this.cfg("axis");
        if (axis !== undefined && axis !== null && !isInt(axis)) this.fail(`softmax over several axes (${JSON.stringify(axis)}) is not supported`);
        this.emit("Softmax", [this.input()], layer.outputs[0]!, { axis: { type: "int", value: isInt(axis) ? axis : -1 } });
        return;
      }
      case "BatchNormalization":
      case "SyncBatchNormalization":
        return this.batchNorm();
      case "LayerNormalization":
        return this.layerNorm();
      case "Rescaling": {
        const scale = this.cfg("scale");
        const offset = this.cfg("offset");
        if (typeof scale !== "number" || (offset !== undefined && offset !== null && typeof offset !== "number")) this.fail("per-channel scale/offset is not supported");
        const y = this.emit("Mul", [this.input(), this.constant("scale", "float32", [scale], [])], this.tmp("scaled"));
        this.emit("Add", [y, this.constant("offset", "float32", [typeof offset === "number" ? offset : 0], [])], layer.outputs[0]!);
        return;
      }
      case "Flatten":
        this.emit("Flatten", [this.input()], layer.outputs[0]!, { axis: { type: "int", value: 1 } });
        return;
      case "Reshape":
        return this.reshape();
      case "Permute": {
        const dims = this.cfg("dims");
        if (!Array.isArray(dims) || !dims.every(isInt)) this.fail(`'dims' must be a list of axes, got ${JSON.stringify(dims)}`);
        this.emit("Transpose", [this.input()], layer.outputs[0]!, { perm: { type: "ints", value: [0, ...(dims as number[])] } });
        return;
      }
      case "RepeatVector": {
        const n = this.int(["n"]);
        const x = this.emit("Unsqueeze", [this.input(), this.constant("axes", "int64", [1])], this.tmp("unsqueezed"));
        this.emit("Expand", [x, this.constant("shape", "int64", [1, n, 1])], layer.outputs[0]!);
        return;
      }
      case "Embedding": {
        const inputDim = this.int(["input_dim"]);
        const outputDim = this.int(["output_dim"]);
        const idx = this.emit("Cast", [this.input()], this.tmp("indices"), { to: { type: "int", value: 7 } });
        this.emit("Gather", [this.weight("embeddings", [inputDim, outputDim], 1), idx], layer.outputs[0]!, { axis: { type: "int", value: 0 } });
        return;
      }
      case "Concatenate": {
        const axis = this.cfg("axis", "concat_axis");
        if (axis !== undefined && axis !== null && !isInt(axis)) this.fail(`'axis' must be an integer, got ${JSON.stringify(axis)}`);
        this.emit("Concat", layer.inputs, layer.outputs[0]!, { axis: { type: "int", value: isInt(axis) ? axis : -1 } });
        return;
      }
      case "Add":
      case "Subtract":
      case "Multiply":
      case "Average":
      case "Maximum":
      case "Minimum":
        return this.merge();
      case "ops.Add":
      case "ops.Subtract":
      case "ops.Multiply":
      case "ops.Maximum":
      case "ops.Minimum":
      case "ops.Divide":
      case "ops.TrueDivide":
      case "ops.Power": {
        const onnx: Record<string, string> = { Add: "Add", Subtract: "Sub", Multiply: "Mul", Maximum: "Max", Minimum: "Min", Divide: "Div", TrueDivide: "Div", Power: "Pow" };
        if (layer.inputs.length !== 2) this.fail(`expected 2 tensor inputs, got ${layer.inputs.length}`);
        this.emit(onnx[op.slice(4)]!, [this.input(0), this.input(1)], layer.outputs[0]!);
        return;
      }
      default:
        this.fail("no CPU lowering for this layer class");
    }
  }

  private kernelSize(n: number): number[] {
    if (this.has("kernel_size")) return this.tuple(["kernel_size"], n);
    if (n === 1 && this.has("filter_length")) return [this.int(["filter_length"])];
    if (n === 2 && this.has("nb_row")) return [this.int(["nb_row"]), this.int(["nb_col"])];
    if (n === 3 && this.has("kernel_dim1")) return [this.int(["kernel_dim1"]), this.int(["kernel_dim2"]), this.int(["kernel_dim3"])];
    this.fail("'kernel_size' is missing");
  }

  private strides(n: number): number[] {
    if (n === 1 && !this.has("strides") && this.has("subsample_length")) return [this.int(["subsample_length"])];
    return this.tuple(["strides", "subsample"], n, 1);
  }

  private useBias(): boolean {
    const v = this.cfg("use_bias", "bias");
    return v !== false;
  }

  private conv(n: number, kind: "conv" | "separable" | "depthwise"): void {
    const x = this.input();
    const rank = n + 2;
    if (this.rank(x) !== rank) this.fail(`expects an input of rank ${rank}, got rank ${this.rank(x)}`);
    const first = this.channelsFirst();
    const c = this.staticDim(x, first ? 1 : -1, "the input channel count");
    const k = this.kernelSize(n);
    const s = this.strides(n);
    const d = this.tuple(["dilation_rate", "atrous_rate"], n, 1);
    const padding = this.padding(n === 1 ? ["valid", "same", "causal", "full"] : ["valid", "same", "full"]);
    const window: Record<string, Attr> = { kernel_shape: { type: "ints", value: k }, strides: { type: "ints", value: s }, dilations: { type: "ints", value: d } };
    const ek = k.map((kk, i) => (kk - 1) * (d[i] as number) + 1);
    // TF SAME puts the odd pad at the end (ONNX SAME_UPPER); causal pads ek-1 at the start;
    // Keras 1 "full" pads ek-1 on both sides.
    if (padding === "same") window["auto_pad"] = { type: "string", value: "SAME_UPPER" };
    else if (padding === "valid") window["auto_pad"] = { type: "string", value: "VALID" };
    else if (padding === "causal") window["pads"] = { type: "ints", value: [...ek.map((e) => e - 1), ...ek.map(() => 0)] };
    else window["pads"] = { type: "ints", value: [...ek.map((e) => e - 1), ...ek.map((e) => e - 1)] };
    const kprod = k.reduce((a, b) => a * b, 1);
    const xc = this.toChannelsFirst(x, rank, first);
    let y: string;
    if (kind === "conv") {
      const filters = this.int(["filters", "nb_filter"]);
      const groups = this.int(["groups"], 1);
      if (groups < 1 || c % groups !== 0) this.fail(`${c} input channels are not divisible by groups=${groups}`);
      const inputs = [xc, this.weight("kernel", [filters, c / groups, ...k], (c / groups) * kprod)];
      if (this.useBias()) inputs.push(this.weight("bias", [filters], 1));
      y = this.emit("Conv", inputs, this.tmp("conv"), { ...window, group: { type: "int", value: groups } });
    } else {
      const dm = this.int(["depth_multiplier"], 1);
      const dw = [xc, this.weight("depthwise", [c * dm, 1, ...k], kprod)];
      if (kind === "depthwise" && this.useBias()) dw.push(this.weight("bias", [c * dm], 1));
      y = this.emit("Conv", dw, this.tmp("depthwise"), { ...window, group: { type: "int", value: c } });
      if (kind === "separable") {
        const filters = this.int(["filters", "nb_filter"]);
        const pw = [y, this.weight("pointwise", [filters, c * dm, ...k.map(() => 1)], c * dm)];
        if (this.useBias()) pw.push(this.weight("bias", [filters], 1));
        y = this.emit("Conv", pw, this.tmp("pointwise"), { kernel_shape: { type: "ints", value: k.map(() => 1) } });
      }
    }
    this.finish(y, rank, first);
  }

  /** Back to the layer's layout, then its activation, into the layer's value. */
  private finish(y: string, rank: number, first: boolean): void {
    const out = this.layer.outputs[0]!;
    const act = this.hasActivation();
    if (first) {
      if (act) this.activation(y, out);
      else this.emit("Identity", [y], out);
      return;
    }
    const back = this.toLayout(y, rank, false, act ? this.tmp("preact") : out);
    if (act) this.activation(back, out);
  }

  private hasActivation(): boolean {
    const a = this.cfg("activation");
    return !(a === undefined || a === null || a === "linear");
  }

  /**
   * Keras transposed conv. With `ek = d(k-1)+1` and the kernel's full scatter extent
   * `F = s(i-1) + ek`, Keras' output length is (Keras 2 `deconv_output_length`, Keras 3
   * `compute_conv_transpose_output_shape`):
   * - `output_padding` None: valid `F + max(s - ek, 0)`, same `i*s = F - (ek - s)`, full `F - 2(ek-1)`;
   * - `output_padding` op: valid `F + op`, same `F - 2*floor(ek/2) + op`, full `F - 2(ek-1) + op`.
   * So `F - o` is a constant `c` per axis: `c > 0` is cropped as TF does for SAME (the odd one
   * at the end: ONNX SAME_UPPER's split), `c < 0` is ONNX `output_padding` (zeros at the end).
   * Keras 1 `Deconvolution2D` takes the size from its `output_shape` argument (ONNX
   * `output_shape` with SAME_UPPER's split).
   */
  private convTranspose(n: number): void {
    const x = this.input();
    const rank = n + 2;
    if (this.rank(x) !== rank) this.fail(`expects an input of rank ${rank}, got rank ${this.rank(x)}`);
    const first = this.channelsFirst();
    const c = this.staticDim(x, first ? 1 : -1, "the input channel count");
    const k = this.kernelSize(n);
    const s = this.strides(n);
    const d = this.tuple(["dilation_rate", "atrous_rate"], n, 1);
    const padding = this.padding(["valid", "same", "full"]);
    const filters = this.int(["filters", "nb_filter"]);
    const attrs: Record<string, Attr> = { kernel_shape: { type: "ints", value: k }, strides: { type: "ints", value: s }, dilations: { type: "ints", value: d } };
    const kerasMajor = (this.shapes.model.opsets.get("keras") ?? 2) as number;
    const opRaw = this.cfg("output_padding");
    if (kerasMajor === 1 && this.has("output_shape") && !this.has("output_padding")) {
      const os = this.cfg("output_shape");
      if (!Array.isArray(os) || os.length !== rank) this.fail(`'output_shape' must list ${rank} sizes, got ${JSON.stringify(os)}`);
      const spatial = (first ? os.slice(2) : os.slice(1, -1)) as unknown[];
      if (!spatial.every(isInt)) this.fail(`'output_shape' ${JSON.stringify(os)} has unknown spatial sizes`);
      attrs["output_shape"] = { type: "ints", value: spatial as number[] };
      attrs["auto_pad"] = { type: "string", value: "SAME_UPPER" };
    } else {
      let op: number[] | null = null;
      if (opRaw !== undefined && opRaw !== null) {
        op = isInt(opRaw) ? new Array<number>(n).fill(opRaw) : Array.isArray(opRaw) && opRaw.length === n && opRaw.every(isInt) ? [...(opRaw as number[])] : this.fail(`'output_padding' must be an integer or ${n} integers, got ${JSON.stringify(opRaw)}`);
      }
      const pads = new Array<number>(2 * n).fill(0);
      const outPad = new Array<number>(n).fill(0);
      for (let a = 0; a < n; a++) {
        const ek = ((k[a] as number) - 1) * (d[a] as number) + 1;
        const sa = s[a] as number;
        const opa = op === null ? null : (op[a] as number);
        // c = F - o, the amount the kernel's full extent is cropped by (negative: extended).
        let crop: number;
        if (padding === "valid") crop = opa === null ? -Math.max(sa - ek, 0) : -opa;
        else if (padding === "same") crop = opa === null ? ek - sa : 2 * Math.floor(ek / 2) - opa;
        else crop = 2 * (ek - 1) - (opa ?? 0);
        if (crop >= 0) {
          pads[a] = Math.floor(crop / 2);
          pads[n + a] = crop - Math.floor(crop / 2);
        } else outPad[a] = -crop;
      }
      attrs["pads"] = { type: "ints", value: pads };
      attrs["output_padding"] = { type: "ints", value: outPad };
    }
    const kprod = k.reduce((a, b) => a * b, 1);
    const inputs = [this.toChannelsFirst(x, rank, first), this.weight("kernel", [c, filters, ...k], c * kprod)];
    if (this.useBias()) inputs.push(this.weight("bias", [filters], 1));
    this.finish(this.emit("ConvTranspose", inputs, this.tmp("convT"), attrs), rank, first);
  }

  private pool(n: number, op: "MaxPool" | "AveragePool"): void {
    const x = this.input();
    const rank = n + 2;
    if (this.rank(x) !== rank) this.fail(`expects an input of rank ${rank}, got rank ${this.rank(x)}`);
    const first = this.channelsFirst();
    const pool = n === 1 && !this.has("pool_size") && this.has("pool_length") ? [this.int(["pool_length"])] : this.tuple(["pool_size"], n, 2);
    const sr = this.cfg("strides", "stride");
    const s = sr === undefined || sr === null ? pool : this.tuple(["strides", "stride"], n);
    const padding = this.padding(["valid", "same"]);
    const y = this.emit(op, [this.toChannelsFirst(x, rank, first)], this.tmp("pool"), {
      kernel_shape: { type: "ints", value: pool },
      strides: { type: "ints", value: s },
      auto_pad: { type: "string", value: padding === "same" ? "SAME_UPPER" : "VALID" },
    });
    this.toLayout(y, rank, first, this.layer.outputs[0]!);
  }

  private globalPool(n: number, op: "ReduceMax" | "ReduceMean"): void {
    const x = this.input();
    const rank = n + 2;
    if (this.rank(x) !== rank) this.fail(`expects an input of rank ${rank}, got rank ${this.rank(x)}`);
    const first = this.channelsFirst();
    const axes = Array.from({ length: n }, (_, i) => (first ? i + 2 : i + 1));
    const keep = this.cfg("keepdims") === true;
    this.emit(op, [x, this.constant("axes", "int64", axes)], this.layer.outputs[0]!, { keepdims: { type: "int", value: keep ? 1 : 0 } });
  }

  private upsample(n: number): void {
    const x = this.input();
    const rank = n + 2;
    if (this.rank(x) !== rank) this.fail(`expects an input of rank ${rank}, got rank ${this.rank(x)}`);
    const first = this.channelsFirst();
    const size = n === 1 && !this.has("size") && this.has("length") ? [this.int(["length"])] : this.tuple(["size"], n, 2);
    const interp = this.cfg("interpolation");
    const mode = interp === "bilinear" ? "linear" : interp === undefined || interp === null || interp === "nearest" ? "nearest" : this.fail(`interpolation ${JSON.stringify(interp)} is not supported`);
    const scales = new Array<number>(rank).fill(1);
    size.forEach((v, j) => (scales[first ? j + 2 : j + 1] = v));
    // Resize scales any axis, so the layout stays as it is: no transposes needed.
    this.emit("Resize", [x, "", this.constant("scales", "float32", scales)], this.layer.outputs[0]!, {
      mode: { type: "string", value: mode },
      coordinate_transformation_mode: { type: "string", value: "asymmetric" },
      nearest_mode: { type: "string", value: "floor" },
    });
  }

  /** ZeroPadding (`sign` 1) / Cropping (`sign` -1) as ONNX Pad, whose negative pads crop. */
  private padCrop(n: number, sign: 1 | -1): void {
    const x = this.input();
    const rank = n + 2;
    if (this.rank(x) !== rank) this.fail(`expects an input of rank ${rank}, got rank ${this.rank(x)}`);
    const first = this.channelsFirst();
    const key = sign === 1 ? "padding" : "cropping";
    const raw = this.cfg(key);
    const fallback = sign === 1 || n !== 2 ? 1 : 0;
    const amounts = this.amounts(raw === undefined || raw === null ? fallback : raw, n, key);
    const pads = new Array<number>(2 * rank).fill(0);
    amounts.forEach(([b, e], j) => {
      const ax = first ? j + 2 : j + 1;
      pads[ax] = sign * b;
      pads[rank + ax] = sign * e;
    });
    this.emit("Pad", [x, this.constant("pads", "int64", pads)], this.layer.outputs[0]!, { mode: { type: "string", value: "constant" } });
  }

  /** `(before, after)` per spatial axis: an int, n ints, n pairs, Keras 1's 4-tuple or dict. */
  private amounts(v: Json, n: number, what: string): [number, number][] {
    const nonneg = (a: unknown): a is number => isInt(a) && a >= 0;
    const bad = (): never => this.fail(`'${what}' must be an int, ${n} ints or ${n} pairs, got ${JSON.stringify(v)}`);
    if (nonneg(v)) return Array.from({ length: n }, () => [v, v] as [number, number]);
    if (n === 2 && v !== null && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const get = (k: string): number => {
        const x = o[k] ?? 0;
        return nonneg(x) ? x : bad();
      };
      return [
        [get("top_pad"), get("bottom_pad")],
        [get("left_pad"), get("right_pad")],
      ];
    }
    if (!Array.isArray(v)) return bad();
    if (v.every(nonneg)) {
      if (n === 1 && v.length === 2) return [[v[0] as number, v[1] as number]];
      if (n === 2 && v.length === 4) return [
        [v[0] as number, v[1] as number],
        [v[2] as number, v[3] as number],
      ];
    }
    if (v.length !== n) return bad();
    return v.map((e) => {
      const p = untuple(e);
      if (nonneg(p)) return [p, p] as [number, number];
      if (Array.isArray(p) && p.length === 2 && p.every(nonneg)) return [p[0], p[1]] as [number, number];
      return bad();
    });
  }

  private dense(): void {
    const x = this.input();
    const units = this.int(["units", "output_dim"]);
    const features = this.staticDim(x, -1, "the input feature count");
    const out = this.layer.outputs[0]!;
    const act = this.hasActivation();
    const bias = this.useBias();
    let y = this.emit("MatMul", [x, this.weight("kernel", [features, units], features)], bias || act ? this.tmp("matmul") : out);
    if (bias) y = this.emit("Add", [y, this.weight("bias", [units], 1)], act ? this.tmp("preact") : out);
    if (act) this.activation(y, out);
  }

  private relu(): void {
    const x = this.input();
    const out = this.layer.outputs[0]!;
    const slope = this.cfg("negative_slope");
    const maxValue = this.cfg("max_value");
    const hasMax = typeof maxValue === "number";
    let y = x;
    if (typeof slope === "number" && slope !== 0) y = this.emit("LeakyRelu", [x], hasMax ? this.tmp("leaky") : out, { alpha: { type: "float", value: slope } });
    else y = this.emit("Relu", [x], hasMax ? this.tmp("relu") : out);
    if (hasMax) this.emit("Clip", [y, "", this.constant("max", "float32", [maxValue], [])], out);
  }

  private prelu(): void {
    const x = this.input();
    const shape = this.staticShape(x);
    if (shape === null) this.fail(`the shape of input '${x}' is not known statically`);
    const shared = this.cfg("shared_axes");
    const sharedAxes = new Set<number>(isInt(shared) ? [shared] : Array.isArray(shared) ? (shared as unknown[]).filter(isInt) : []);
    const dims = shape.slice(1).map((d, i) => {
      if (sharedAxes.has(i + 1)) return 1;
      if (d === null) this.fail(`axis ${i + 1} of '${x}' is not known statically`);
      return d;
    });
    this.emit("PRelu", [x, this.param("alpha", dims, { kind: "range", lo: 0, hi: 0.5 })], this.layer.outputs[0]!);
  }

  /** Inference BatchNormalization with random statistics, folded into a per-channel scale and shift. */
  private batchNorm(): void {
    const x = this.input();
    const rank = this.rank(x);
    let axis = this.cfg("axis");
    if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
    if (axis !== undefined && axis !== null && !isInt(axis)) this.fail(`normalization over several axes (${JSON.stringify(axis)}) is not supported`);
    const a = isInt(axis) ? (axis < 0 ? axis + rank : axis) : rank - 1;
    if (a < 1 || a >= rank) this.fail(`axis ${String(axis)} is out of range for rank ${rank}`);
    const c = this.staticDim(x, a, "the normalized axis");
    const dims = [c, ...new Array<number>(rank - 1 - a).fill(1)];
    const y = this.emit("Mul", [x, this.param("scale", dims, { kind: "range", lo: 0.5, hi: 1.5 })], this.tmp("scaled"));
    this.emit("Add", [y, this.param("shift", dims, { kind: "range", lo: -0.5, hi: 0.5 })], this.layer.outputs[0]!);
  }

  private layerNorm(): void {
    const x = this.input();
    const rank = this.rank(x);
    const raw = this.cfg("axis");
    const list = (isInt(raw) ? [raw] : Array.isArray(raw) ? raw : raw === undefined || raw === null ? [-1] : null) as unknown[] | null;
    if (list === null || !list.every(isInt)) this.fail(`'axis' ${JSON.stringify(raw)} is not supported`);
    const axes = (list as number[]).map((v) => (v < 0 ? v + rank : v)).sort((p, q) => p - q);
    const from = axes[0] ?? rank - 1;
    if (axes.some((v, i) => v !== from + i) || axes[axes.length - 1] !== rank - 1) this.fail(`normalization over axes ${JSON.stringify(raw)} (not the trailing ones) is not supported`);
    const dims = axes.map((v) => this.staticDim(x, v, "a normalized axis"));
    this.emit("LayerNormalization", [x, this.param("gamma", dims, { kind: "range", lo: 0.5, hi: 1.5 }), this.param("beta", dims, { kind: "range", lo: -0.5, hi: 0.5 })], this.layer.outputs[0]!, {
      axis: { type: "int", value: from },
    });
  }

  private reshape(): void {
    const target = this.cfg("target_shape");
    if (!Array.isArray(target) || !target.every((d) => d === null || (isInt(d) && (d > 0 || d === -1)))) this.fail(`'target_shape' ${JSON.stringify(target)} is not a list of sizes`);
    // 0 copies the batch size of the input (ONNX Reshape, allowzero=0).
    this.emit("Reshape", [this.input(), this.constant("shape", "int64", [0, ...(target as (number | null)[]).map((d) => d ?? -1)])], this.layer.outputs[0]!);
  }

  /** Keras elementwise merges: inputs of lower rank get unit axes after the batch axis (Keras' `_merge_function`). */
  private merge(): void {
    const op = this.layer.opType;
    const inputs = this.layer.inputs.filter((v) => v !== "");
    if (inputs.length < 1) this.fail("no inputs");
    if (op === "Subtract" && inputs.length !== 2) this.fail(`Subtract takes exactly 2 inputs, got ${inputs.length}`);
    const ranks = inputs.map((v) => this.rank(v));
    const top = Math.max(...ranks);
    const aligned = inputs.map((v, i) => {
      const r = ranks[i] as number;
      if (r === top) return v;
      return this.emit("Unsqueeze", [v, this.constant("axes", "int64", Array.from({ length: top - r }, (_, j) => j + 1))], this.tmp("expanded"));
    });
    const onnx = ({ Add: "Sum", Subtract: "Sub", Multiply: "Mul", Average: "Mean", Maximum: "Max", Minimum: "Min" } as Record<string, string>)[op]!;
    if (onnx === "Mul" && aligned.length > 2) {
      let acc = aligned[0] as string;
      for (let i = 1; i < aligned.length; i++) acc = this.emit("Mul", [acc, aligned[i] as string], i === aligned.length - 1 ? this.layer.outputs[0]! : this.tmp("product"));
      return;
    }
    if (onnx === "Mul" && aligned.length === 1) {
      this.emit("Identity", aligned, this.layer.outputs[0]!);
      return;
    }
    this.emit(onnx, aligned, this.layer.outputs[0]!);
  }
}

/**
 * Lower a Keras model to an ONNX-domain graph the kernel can run. `shapes` is a propagation of
 * the same model (at the run's concrete sizes) for the parameter shapes; `seed` seeds the weights.
 * Throws {@link LoweringError} for a layer that cannot be run.
 */
export function lowerKeras(model: Model, shapes: ShapeResult, seed: number): LoweredModel {
  if (model.format !== "keras") throw new KernelError("BAD_GRAPH", "lowerKeras needs a Keras model");
  const l = new Lowering(shapes, seed);
  for (const node of shapes.order) l.lower(node);
  const inputs: ValueInfo[] = model.graph.inputs.map((vi) => ({ ...vi, dtype: vi.dtype ?? "float32" }));
  const graph: Graph = {
    name: model.graph.name,
    inputs,
    outputs: model.graph.outputs,
    valueInfo: new Map(),
    initializers: l.initializers,
    nodes: l.nodes,
  };
  const lowered: Model = {
    format: "onnx",
    flavour: `${model.flavour}+lowered`,
    file: model.file,
    graph,
    producer: model.producer,
    irVersion: 8,
    opsets: new Map([["", LOWERED_OPSET]]),
  };
  const makers = l.makers;
  const readTensor = (t: TensorConst): Tensor => {
    const make = makers.get(t.name);
    if (make === undefined) throw new KernelError("BAD_GRAPH", `no data for tensor "${t.name}"`);
    return make();
  };
  return { model: lowered, readTensor, layerOf: l.layerOf };
}
