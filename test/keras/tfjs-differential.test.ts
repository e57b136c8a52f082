/**
 * Differential test against TensorFlow.js layers, an independent implementation of Keras'
 * shape rules. Randomly generated models (seeded) are built with tfjs-layers, serialised with
 * `model.toJSON(null, false)` (Keras-2-style JSON), loaded by our loader and propagated; every
 * layer's output shape must equal tfjs's static `layer.outputShape`.
 *
 * - The same models with their spatial input sizes set to `None` give symbolic shapes, which
 *   must evaluate to tfjs's sizes.
 * - tfjs cannot express `output_padding` or dilation on transposed convolutions (it drops
 *   them; peers.md section 6), nor `causal` Conv1D padding (its `convOutputLength` treats it as
 *   `valid`, and the layer throws NotImplementedError when run). Those cases are made by editing
 *   the JSON and are checked against Keras' own formulas (`deconv_output_length` and
 *   `conv_output_length`, transcribed below from keras v2.15 `keras/utils/conv_utils.py`), and
 *   tfjs's real size must appear as the `runtime-divergence` fact's `tfjs` value.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, test } from "vitest";
import { type Dim, evalDim } from "../../src/ir/dim.js";
import { loadKerasText } from "../../src/loaders/keras/index.js";
import { propagate } from "../../src/shapes/propagate.js";

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): { next: () => number; int: (lo: number, hi: number) => number; pick: <T>(xs: readonly T[]) => T; chance: (p: number) => boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: (xs) => xs[int(0, xs.length - 1)]!, chance: (p) => next() < p };
}

type Rng = ReturnType<typeof prng>;
type SymT = tfl.SymbolicTensor;

/** keras v2.15 keras/utils/conv_utils.py deconv_output_length, transcribed. */
function kerasDeconvLength(input: number, filter: number, padding: "same" | "valid", outputPadding: number | null, stride: number, dilation: number): number {
  const size = filter + (filter - 1) * (dilation - 1);
  if (outputPadding === null) return padding === "valid" ? input * stride + Math.max(size - stride, 0) : input * stride;
  const pad = padding === "same" ? Math.floor(size / 2) : 0;
  return (input - 1) * stride + size - 2 * pad + outputPadding;
}

/** keras v2.15 keras/utils/conv_utils.py conv_output_length, transcribed. */
function kerasConvLength(input: number, filter: number, padding: "same" | "valid" | "causal", stride: number, dilation: number): number {
  const size = filter + (filter - 1) * (dilation - 1);
  const length = padding === "same" || padding === "causal" ? input : input - size + 1;
  return Math.floor((length + stride - 1) / stride);
}

const pad = (r: Rng): "same" | "valid" => (r.chance(0.5) ? "same" : "valid");

/** One random layer for a tensor of rank `rank` (3: 1D, 4: 2D, 5: 3D). */
function randomLayer(r: Rng, rank: number): tfl.layers.Layer {
  const f = r.int(1, 6);
  const k = r.int(1, 5);
  const s = r.int(1, 3);
  if (rank === 4) {
    switch (r.int(0, 10)) {
      case 0:
      case 1:
        return tfl.layers.conv2d({ filters: f, kernelSize: [k, r.int(1, 5)], strides: [s, r.int(1, 3)], padding: pad(r) });
      case 2:
        // dilation only with unit strides (TF rejects strides > 1 together with dilation > 1)
        return tfl.layers.conv2d({ filters: f, kernelSize: k, dilationRate: r.int(1, 3), padding: pad(r) });
      case 3:
      case 4:
        return tfl.layers.conv2dTranspose({ filters: f, kernelSize: [k, r.int(1, 5)], strides: [s, r.int(1, 3)], padding: pad(r) });
      case 5:
        return r.chance(0.5)
          ? tfl.layers.maxPooling2d({ poolSize: r.int(1, 3), strides: r.chance(0.3) ? null! : r.int(1, 3), padding: pad(r) })
          : tfl.layers.averagePooling2d({ poolSize: [r.int(1, 3), r.int(1, 3)], strides: r.int(1, 3), padding: pad(r) });
      case 6:
        return tfl.layers.upSampling2d({ size: [r.int(1, 3), r.int(1, 3)] });
      case 7:
        return tfl.layers.zeroPadding2d({ padding: r.chance(0.5) ? r.int(0, 3) : [[r.int(0, 3), r.int(0, 3)], [r.int(0, 3), r.int(0, 3)]] });
      case 8:
        return tfl.layers.cropping2D({ cropping: r.chance(0.3) ? r.int(0, 2) : [[r.int(0, 3), r.int(0, 3)], [r.int(0, 3), r.int(0, 3)]] });
      case 9:
        return r.chance(0.5)
          ? tfl.layers.separableConv2d({ filters: f, kernelSize: k, strides: s, padding: pad(r), depthMultiplier: r.int(1, 2) })
          : tfl.layers.depthwiseConv2d({ kernelSize: k, strides: s, padding: pad(r), depthMultiplier: r.int(1, 2) });
      default:
        return r.pick([tfl.layers.batchNormalization({}), tfl.layers.reLU({}), tfl.layers.leakyReLU({}), tfl.layers.dropout({ rate: 0.1 }), tfl.layers.activation({ activation: "tanh" })]);
    }
  }
  if (rank === 3) {
    switch (r.int(0, 4)) {
      case 0:
      case 1:
        // No "causal": tfjs-layers computes its shape as "valid" and cannot run it (tested by editing below).
        return tfl.layers.conv1d({ filters: f, kernelSize: k, strides: s, padding: pad(r) });
      case 2:
        return r.chance(0.5) ? tfl.layers.maxPooling1d({ poolSize: r.int(1, 3), strides: r.int(1, 3), padding: pad(r) }) : tfl.layers.averagePooling1d({ poolSize: r.int(1, 3), padding: pad(r) });
      case 3:
        return tfl.layers.conv1d({ filters: f, kernelSize: k, dilationRate: r.int(1, 3), padding: pad(r) });
      default: {
        // tfjs's default orthogonal recurrent initializer fails in this build ("rMat.flatten is not a function").
        const rnn = { units: f, returnSequences: r.chance(0.7), recurrentInitializer: "glorotUniform" as const };
        return r.pick([() => tfl.layers.dense({ units: f }), () => tfl.layers.simpleRNN(rnn), () => tfl.layers.lstm(rnn), () => tfl.layers.gru(rnn)])();
      }
    }
  }
  switch (r.int(0, 3)) {
    case 0:
      return tfl.layers.conv3d({ filters: f, kernelSize: Math.min(k, 3), strides: s, padding: pad(r) });
    case 1:
      return tfl.layers.conv3dTranspose({ filters: f, kernelSize: Math.min(k, 3), strides: s, padding: pad(r) });
    case 2:
      return r.chance(0.5) ? tfl.layers.maxPooling3d({ poolSize: r.int(1, 2), strides: r.int(1, 2), padding: pad(r) }) : tfl.layers.averagePooling3d({ poolSize: 2, padding: pad(r) });
    default:
      return tfl.layers.batchNormalization({});
  }
}

function valid(t: SymT): boolean {
  return t.shape.slice(1).every((d) => d !== null && d > 0 && d <= 4096);
}

/** Apply `layer` to `x`; `null` when tfjs refuses or the result has an empty axis. */
function tryApply(layer: tfl.layers.Layer, x: SymT | SymT[]): SymT | null {
  try {
    const y = layer.apply(x) as SymT;
    return valid(y) ? y : null;
  } catch {
    return null;
  }
}

interface Generated {
  readonly model: tfl.LayersModel;
  readonly rank: number;
}

/** A random model: a chain of random layers, sometimes a skip concatenation or merge, sometimes a Dense head. */
function generate(r: Rng, index: number): Generated {
  const rank = index % 10 < 6 ? 4 : index % 10 < 9 ? 3 : 5;
  const shape = rank === 4 ? [r.int(5, 40), r.int(5, 40), r.int(1, 4)] : rank === 3 ? [r.int(6, 48), r.int(1, 5)] : [r.int(3, 12), r.int(3, 12), r.int(3, 12), r.int(1, 2)];
  const input = tfl.input({ shape });
  let x: SymT = input;
  const history: SymT[] = [input];
  const target = r.int(2, 7);
  // Every third 2D model is a decoder: it starts with a transposed convolution.
  if (rank === 4 && index % 3 === 0) {
    const y = tryApply(tfl.layers.conv2dTranspose({ filters: r.int(1, 6), kernelSize: r.int(1, 5), strides: r.int(1, 3), padding: pad(r) }), x);
    if (y) x = y;
    history.push(x);
  }
  for (let tries = 0, added = 0; added < target && tries < 40; tries++) {
    const y = tryApply(randomLayer(r, rank), x);
    if (!y) continue;
    x = y;
    history.push(x);
    added++;
  }
  if (r.chance(0.35)) {
    // A skip connection with an earlier tensor of the same spatial size, or a same-size branch.
    const sameSize = history.filter((t) => t !== x && t.shape.slice(1, -1).every((d, i) => d === x.shape[i + 1]));
    const other = sameSize.length > 0 ? r.pick(sameSize) : null;
    if (other) {
      const y = tryApply(tfl.layers.concatenate({ axis: -1 }), [x, other]);
      if (y) x = y;
    } else if (rank === 4) {
      const b = tryApply(tfl.layers.conv2d({ filters: x.shape[3]!, kernelSize: r.int(1, 3), padding: "same" }), x);
      const y = b ? tryApply(r.pick([tfl.layers.add({}), tfl.layers.multiply({}), tfl.layers.maximum({}), tfl.layers.average({})]), [x, b]) : null;
      if (y) x = y;
    }
  }
  if (r.chance(0.3)) {
    const fl = tryApply(tfl.layers.flatten({}), x);
    const d = fl ? tryApply(tfl.layers.dense({ units: r.int(1, 8) }), fl) : null;
    if (d) x = d;
  } else if (rank === 4 && r.chance(0.1)) {
    const g = tryApply(r.chance(0.5) ? tfl.layers.globalAveragePooling2d({}) : tfl.layers.globalMaxPooling2d({}), x);
    if (g) x = g;
  }
  return { model: tfl.model({ inputs: input, outputs: x }), rank };
}

interface LayerJson {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
}

function layersOf(json: unknown): LayerJson[] {
  return ((json as { config: { layers: LayerJson[] } }).config.layers) as LayerJson[];
}

const N_MODELS = 320;
const stats = { models: 0, layersCompared: 0, dimsCompared: 0, symbolicDims: 0, edited: 0, classes: new Map<string, number>() };
const models: { gen: Generated; json: Record<string, unknown> }[] = [];

beforeAll(async () => {
  await tf.setBackend("cpu");
  const r = prng(0x5eed2024);
  for (let i = 0; i < N_MODELS; i++) {
    const gen = generate(r, i);
    models.push({ gen, json: gen.model.toJSON(null, false) as Record<string, unknown> });
  }
});

describe("tfjs-layers differential", () => {
  test(`${N_MODELS} random models: every layer's output shape equals tfjs's`, () => {
    for (const { gen, json } of models) {
      const m = loadKerasText(JSON.stringify(json), "tfjs.json");
      // toJSON gives the Keras config itself (what model.json's modelTopology holds).
      expect([m.flavour, m.producer?.name, m.opsets.get("keras")]).toEqual(["keras2-json", "tfjs-layers", 2]);
      const res = propagate(m);
      expect(res.contradictions, JSON.stringify(json)).toEqual([]);
      expect([...res.unsupported.keys()]).toEqual([]);
      for (const layer of gen.model.layers) {
        const cls = layer.getClassName();
        if (cls === "InputLayer") continue;
        const want = layer.outputShape as (number | null)[];
        const got = res.values.get(layer.name)?.shape;
        expect(got, `${layer.name} (${cls})`).toBeDefined();
        expect(got!.length, `${layer.name} rank`).toBe(want.length);
        for (let a = 1; a < want.length; a++) {
          expect(got![a], `${layer.name} (${cls}) axis ${a} in ${JSON.stringify(layersOf(json).find((l) => l.name === layer.name)?.config)}`).toBe(want[a]);
          stats.dimsCompared++;
        }
        stats.layersCompared++;
        stats.classes.set(cls, (stats.classes.get(cls) ?? 0) + 1);
      }
      stats.models++;
    }
    expect(stats.models).toBe(N_MODELS);
    for (const cls of ["Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "MaxPooling2D", "AveragePooling2D", "UpSampling2D", "ZeroPadding2D", "Cropping2D", "Concatenate", "Dense", "Flatten", "SeparableConv2D", "DepthwiseConv2D"]) {
      expect(stats.classes.get(cls) ?? 0, cls).toBeGreaterThanOrEqual(10);
    }
  });

  test("the same models with None spatial sizes: symbolic shapes evaluate to tfjs's sizes", () => {
    for (const { gen, json } of models) {
      const doc = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
      const input = layersOf(doc).find((l) => l.class_name === "InputLayer")!;
      const concrete = input.config["batch_input_shape"] as number[];
      input.config["batch_input_shape"] = concrete.map((d, a) => (a === 0 || a === concrete.length - 1 ? d : null));
      const m = loadKerasText(JSON.stringify(doc), "tfjs-sym.json");
      const env: Record<string, number> = {};
      m.graph.inputs[0]!.shape!.forEach((d, a) => {
        if (a > 0 && a < concrete.length - 1) env[String(d)] = concrete[a]!;
      });
      expect(Object.keys(env)).toEqual(gen.rank === 4 ? ["H", "W"] : gen.rank === 3 ? ["L"] : ["D", "H", "W"]);
      const res = propagate(m);
      for (const layer of gen.model.layers) {
        const cls = layer.getClassName();
        if (cls === "InputLayer") continue;
        const want = layer.outputShape as number[];
        const got = res.values.get(layer.name)!.shape!;
        for (let a = 1; a < want.length; a++) {
          const d = got[a];
          if (d === null) {
            // Only a product of two symbolic sizes (Flatten) is not representable.
            expect(cls, `${layer.name} axis ${a}`).toBe("Flatten");
            continue;
          }
          expect(evalDim(d as Dim, env), `${layer.name} (${cls}) axis ${a}: ${String(d)} at ${JSON.stringify(env)}`).toBe(want[a]);
          stats.symbolicDims++;
        }
      }
    }
    expect(stats.symbolicDims).toBeGreaterThan(3000);
  });

  test("output_padding and dilation (not expressible in tfjs): Keras' formula, and tfjs's size in the divergence fact", () => {
    const r = prng(7);
    for (const { gen, json } of models) {
      const doc = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
      const idx = layersOf(doc).findIndex((l) => l.class_name === "Conv2DTranspose" || l.class_name === "Conv3DTranspose");
      if (idx < 0) continue;
      const entry = layersOf(doc)[idx]!;
      const tfLayer = gen.model.getLayer(entry.name);
      const n = entry.class_name === "Conv2DTranspose" ? 2 : 3;
      const strides = entry.config["strides"] as number[];
      const kernel = entry.config["kernel_size"] as number[];
      const padding = entry.config["padding"] as "same" | "valid";
      const unitStride = strides.every((s) => s === 1);
      const dilation: number[] = Array.from({ length: n }, () => (unitStride && r.chance(0.6) ? r.int(1, 3) : 1));
      const op = !unitStride || r.chance(0.5) ? strides.map((s) => r.int(0, s - 1)) : null;
      if (op === null && !dilation.some((d) => d > 1)) dilation[0] = 2;
      entry.config["dilation_rate"] = dilation;
      entry.config["output_padding"] = op;
      const res = propagate(loadKerasText(JSON.stringify(doc), "edited.json"));
      // The edited layer's input is its producer's output (unchanged by the edit).
      const src = (entry as unknown as { inbound_nodes: [string, number, number, unknown][][] }).inbound_nodes[0]![0]![0];
      const inShape = gen.model.getLayer(src).outputShape as number[];
      const got = res.values.get(entry.name)!.shape!;
      const divergence = res.facts.filter((f) => f.kind === "runtime-divergence" && f.node.name === entry.name).map((f) => f.data);
      expect(divergence).toHaveLength(1);
      const tfjsOut = tfLayer.outputShape as number[];
      for (let j = 0; j < n; j++) {
        const ax = 1 + j;
        const want = kerasDeconvLength(inShape[ax]!, kernel[j]!, padding, op === null ? null : op[j]!, strides[j]!, dilation[j]!);
        expect(got[ax], `${entry.name} axis ${ax}: k ${kernel[j]} s ${strides[j]} d ${dilation[j]} op ${op?.[j]} ${padding} from ${inShape[ax]}`).toBe(want);
        expect((divergence[0]!["keras"] as number[])[j]).toBe(want);
        expect((divergence[0]!["tfjs"] as number[])[j], "tfjs's real output size").toBe(tfjsOut[ax]);
      }
      stats.edited++;
    }
    expect(stats.edited).toBeGreaterThanOrEqual(80);
  });

  test("causal Conv1D (computed as valid by tfjs): Keras' formula, and tfjs's size in the divergence fact", () => {
    let causal = 0;
    for (const { gen, json } of models) {
      const doc = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
      const entry = layersOf(doc).find((l) => l.class_name === "Conv1D" && l.config["padding"] === "valid");
      if (!entry) continue;
      entry.config["padding"] = "causal";
      const res = propagate(loadKerasText(JSON.stringify(doc), "causal.json"));
      const src = (entry as unknown as { inbound_nodes: [string, number, number, unknown][][] }).inbound_nodes[0]![0]![0];
      const i = (gen.model.getLayer(src).outputShape as number[])[1]!;
      const want = kerasConvLength(i, (entry.config["kernel_size"] as number[])[0]!, "causal", (entry.config["strides"] as number[])[0]!, (entry.config["dilation_rate"] as number[])[0]!);
      expect(res.values.get(entry.name)!.shape![1]).toBe(want);
      const fact = res.facts.filter((f) => f.kind === "runtime-divergence" && f.node.name === entry.name).map((f) => f.data);
      expect(fact).toEqual([
        {
          runtime: "tfjs",
          attributes: ["padding"],
          keras: [want],
          tfjs: [(gen.model.getLayer(entry.name).outputShape as number[])[1]],
          differs: want !== (gen.model.getLayer(entry.name).outputShape as number[])[1],
          reason: "tfjs-layers has no causal padding: it computes the shape as for valid and fails when run",
        },
      ]);
      causal++;
    }
    expect(causal).toBeGreaterThanOrEqual(20);
  });
});
