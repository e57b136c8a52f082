/**
 * Every real sample of shared/formats/keras (read from beside the repository) loads, with the
 * flavour, producer, graph structure and shapes that the files and Keras' rules imply.
 */
import { readFileSync, statSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { formatDim } from "../../src/ir/dim.js";
import type { Model } from "../../src/ir/graph.js";
import { readKerasH5 } from "../../src/loaders/keras/h5.js";
import { loadKerasFile } from "../../src/loaders/keras/index.js";
import { readKerasArchive } from "../../src/loaders/keras/zip.js";
import { propagate } from "../../src/shapes/propagate.js";
import { SAMPLES, SAMPLES_PRESENT, kerasFile, factsOf, nodeNamed, nodeShape, resolvePointer, shapeText } from "./helpers.js";

async function load(name: string): Promise<Model> {
  return loadKerasFile(kerasFile(name));
}

describe.skipIf(!SAMPLES_PRESENT)("flavours, producers, opsets", () => {
  const cases: [string, string, { name: string; version: string }, number][] = [
    ["k1seq-model.json", "keras1-json", { name: "keras", version: "1.2.1" }, 1],
    ["k2seq-generator.json", "keras2-json", { name: "keras", version: "2.4.0" }, 2],
    ["k2nest-autoencoder.json", "keras2-json", { name: "keras", version: "2.2.5" }, 2],
    ["k2shared-siamese_network.json", "keras2-json", { name: "keras", version: "2.3.1" }, 2],
    // tf.keras 2.14 config.json: Keras 3 envelope, Keras 2 semantics; no version inside the config alone.
    ["tk214-config.json", "keras3-json", { name: "keras", version: "2" }, 2],
    ["k3unet-unet.json", "keras3-json", { name: "keras", version: "3" }, 3],
    ["k3siam-siamese_model.keras", "keras-zip", { name: "keras", version: "3.5.0" }, 3],
    ["k3seq-qkeras-v3_3layer.keras", "keras-zip", { name: "keras", version: "3.14.1" }, 3],
    ["tfjsconv-model.json", "tfjs", { name: "keras", version: "2.3.0-tf" }, 2],
    ["tfjsold-model.json", "tfjs", { name: "keras", version: "2.2.4-tf" }, 2],
    ["tfjsjs-model.json", "tfjs", { name: "tfjs-layers", version: "2.8.4" }, 2],
    ["tfjsmimo-model.json", "tfjs", { name: "keras", version: "2.1.6-tf" }, 2],
  ];
  test.each(cases)("%s -> %s", async (file, flavour, producer, major) => {
    const m = await load(file);
    expect(m.format).toBe("keras");
    expect(m.flavour).toBe(flavour);
    expect(m.producer).toEqual(producer);
    expect([...m.opsets]).toEqual([["keras", major]]);
    expect(m.irVersion).toBe(0);
    expect(m.file).toBe(kerasFile(file));
    for (const n of m.graph.nodes) expect(n.domain).toBe("keras");
    // Propagation runs without throwing and without contradictions on these real, working models.
    expect(propagate(m).contradictions).toEqual([]);
  });
});

describe.skipIf(!SAMPLES_PRESENT)("k1seq: Keras 1.2.1 Sequential, config is a bare list", () => {
  test("names, ops, Keras 1 class names normalised, Lambda opaque", async () => {
    const m = await load("k1seq-model.json");
    expect(m.graph.inputs).toEqual([{ name: "cropping2d_8_input", dtype: "float32", shape: [null, 160, 320, 3] }]);
    expect(m.graph.nodes).toHaveLength(27);
    expect(nodeNamed(m, "convolution2d_17").opType).toBe("Conv2D");
    expect(nodeNamed(m, "maxpooling2d_7").opType).toBe("MaxPooling2D");
    // Original Keras 1 config entries stay as json attributes.
    expect(nodeNamed(m, "convolution2d_17").attrs.get("nb_filter")).toEqual({ type: "json", value: 5 });
    expect(nodeNamed(m, "convolution2d_17").attrs.get("border_mode")).toEqual({ type: "json", value: "valid" });
    const r = propagate(m);
    expect(nodeShape(r, "cropping2d_8")).toBe("[cropping2d_8_input_d0, 100, 320, 3]");
    // Lambda without output_shape: unknown, and so is everything after it.
    expect(nodeShape(r, "lambda_5")).toBe("[?]");
    expect(nodeShape(r, "dense_22")).toBe("[?]");
    expect([...r.unsupported.keys()]).toEqual(["keras::Lambda"]);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(["dense_22"]);
  });

  test("Keras 1 conv params drive the shapes once the Lambda declares its output_shape", async () => {
    // The same file with the Lambda's output_shape filled in (Keras 1 `output_shape` excludes the batch axis).
    const text = readFileSync(kerasFile("k1seq-model.json"), "utf8");
    const doc = JSON.parse(text) as { config: { class_name: string; config: Record<string, unknown> }[] };
    doc.config[1]!.config["output_shape"] = [100, 320, 3];
    const { loadKerasText } = await import("../../src/loaders/keras/index.js");
    const r = propagate(loadKerasText(JSON.stringify(doc), "k1.json"));
    expect(r.fromDeclaration.has("lambda_5")).toBe(true);
    // 5x3 valid twice: 100 -> 96 -> 92, 320 -> 318 -> 316; pool 2: 46, 158; 3x3: 44, 156; pool: 22, 78; 3x3: 20, 76; pool: 10, 38.
    expect(nodeShape(r, "convolution2d_17")).toBe("[?, 96, 318, 5]");
    expect(nodeShape(r, "maxpooling2d_7")).toBe("[?, 46, 158, 5]");
    expect(nodeShape(r, "maxpooling2d_9")).toBe("[?, 10, 38, 3]");
    // The declared shape has Keras' unknown batch axis, which stays unknown downstream.
    // 10*38*3 = 1140: the input_dim Keras 1 wrote on the first Dense.
    expect(nodeShape(r, "flatten_5")).toBe("[?, 1140]");
    expect(nodeShape(r, "dense_18")).toBe("[?, 1024]");
    expect(nodeShape(r, "dense_22")).toBe("[?, 1]");
  });
});

describe.skipIf(!SAMPLES_PRESENT)("k2nest: nested models, node-index offset", () => {
  test("encoder and decoder expanded inline with scoped names", async () => {
    const m = await load("k2nest-autoencoder.json");
    expect(m.graph.name).toBe("autoencoder");
    expect(m.graph.inputs.map((i) => i.name)).toEqual(["input_1"]);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(["decoder/conv2d_transpose_4"]);
    const enc = nodeNamed(m, "encoder/conv2d_1");
    expect(enc.loc.scope).toEqual(["encoder"]);
    expect(enc.loc.nodeName).toBe("conv2d_1");
    expect(enc.loc.pointer).toBe("/config/layers/1/config/layers/1");
    // The nested InputLayer binds the outer tensor (k2nest has input_1 at both levels).
    expect(nodeNamed(m, "encoder/input_1").inputs).toEqual(["input_1"]);
    expect(nodeNamed(m, "decoder/input_2").inputs).toEqual(["encoder/dense_1"]);
    const r = propagate(m);
    expect(nodeShape(r, "encoder/conv2d_3")).toBe("[input_1_d0, 4, 4, 128]");
    expect(nodeShape(r, "encoder/dense_1")).toBe("[input_1_d0, 1024]");
    expect(nodeShape(r, "decoder/reshape_1")).toBe("[input_1_d0, 4, 4, 128]");
    expect(nodeShape(r, "decoder/conv2d_transpose_3")).toBe("[input_1_d0, 32, 32, 32]");
    expect(nodeShape(r, "decoder/conv2d_transpose_4")).toBe("[input_1_d0, 32, 32, 3]");
    expect(factsOf(r, "conv-transpose", "decoder/conv2d_transpose_1")).toEqual([
      { axis: 1, input: 4, kernel: 3, stride: 2, dilation: 1, padding: "same", outputPadding: null, output: 8, legal: { lo: 7, hi: 8 } },
      { axis: 2, input: 4, kernel: 3, stride: 2, dilation: 1, padding: "same", outputPadding: null, output: 8, legal: { lo: 7, hi: 8 } },
    ]);
  });
});

describe.skipIf(!SAMPLES_PRESENT)("k2shared: shared nested Sequential, two inputs", () => {
  test("one expansion per call, Koch et al. siamese sizes", async () => {
    const m = await load("k2shared-siamese_network.json");
    expect(m.graph.inputs.map((i) => `${i.name}:${i.shape?.map((d) => formatDim(d)).join(",")}`)).toEqual(["input_1:?,98,98,1", "input_2:?,98,98,1"]);
    expect(nodeNamed(m, "sequential_1/conv2d_1").inputs).toEqual(["input_1"]);
    expect(nodeNamed(m, "sequential_1@1/conv2d_1").inputs).toEqual(["input_2"]);
    expect(nodeNamed(m, "lambda_1").inputs).toEqual(["sequential_1/dense_1", "sequential_1@1/dense_1"]);
    const r = propagate(m);
    for (const p of ["sequential_1", "sequential_1@1"]) {
      const b = p === "sequential_1" ? "input_1_d0" : "input_2_d0";
      expect([`${p}/conv2d_1`, `${p}/max_pooling2d_1`, `${p}/conv2d_2`, `${p}/max_pooling2d_2`, `${p}/conv2d_3`, `${p}/max_pooling2d_3`, `${p}/conv2d_4`, `${p}/flatten_1`, `${p}/dense_1`].map((n) => nodeShape(r, n))).toEqual([
        `[${b}, 89, 89, 64]`,
        `[${b}, 44, 44, 64]`,
        `[${b}, 38, 38, 128]`,
        `[${b}, 19, 19, 128]`,
        `[${b}, 16, 16, 128]`,
        `[${b}, 8, 8, 128]`,
        `[${b}, 5, 5, 256]`,
        `[${b}, 6400]`,
        `[${b}, 4096]`,
      ]);
    }
    expect(nodeShape(r, "dense_2")).toBe("[?]");
  });
});

describe.skipIf(!SAMPLES_PRESENT)("Sequential flavours", () => {
  test("k2seq: explicit InputLayer, 4 Conv2DTranspose with groups: 1", async () => {
    const r = propagate(await load("k2seq-generator.json"));
    expect(r.model.graph.inputs).toEqual([{ name: "dense_8_input", dtype: "float32", shape: [null, 256] }]);
    expect(r.order.map((n) => n.name)).toEqual([
      "dense_8",
      "batch_normalization_8",
      "leaky_re_lu_20",
      "reshape_2",
      "conv2d_transpose_8",
      "batch_normalization_9",
      "leaky_re_lu_21",
      "conv2d_transpose_9",
      "batch_normalization_10",
      "leaky_re_lu_22",
      "conv2d_transpose_10",
      "batch_normalization_11",
      "leaky_re_lu_23",
      "conv2d_transpose_11",
    ]);
    expect(["reshape_2", "conv2d_transpose_8", "conv2d_transpose_9", "conv2d_transpose_10", "conv2d_transpose_11"].map((n) => nodeShape(r, n))).toEqual([
      "[dense_8_input_d0, 7, 7, 256]",
      "[dense_8_input_d0, 7, 7, 128]",
      "[dense_8_input_d0, 14, 14, 64]",
      "[dense_8_input_d0, 28, 28, 32]",
      "[dense_8_input_d0, 28, 28, 1]",
    ]);
    // groups: 1 on a Keras 2 transposed conv is harmless; nothing unmodelled is reported.
    expect(factsOf(r, "unmodelled-attribute")).toEqual([]);
  });

  test("tfjsconv: first layer (Reshape) carries batch_input_shape; build_input_shape", async () => {
    const r = propagate(await load("tfjsconv-model.json"));
    expect(r.model.graph.inputs).toEqual([{ name: "reshape_input", dtype: "float32", shape: [null, 16] }]);
    expect(["reshape", "conv2d_transpose", "conv2d_transpose_1", "conv2d_transpose_2", "conv2d_transpose_4", "conv2d_5"].map((n) => nodeShape(r, n))).toEqual([
      "[reshape_input_d0, 1, 1, 16]",
      "[reshape_input_d0, 7, 7, 64]",
      "[reshape_input_d0, 7, 7, 64]",
      "[reshape_input_d0, 14, 14, 64]",
      "[reshape_input_d0, 28, 28, 32]",
      "[reshape_input_d0, 28, 28, 3]",
    ]);
  });

  test("k3seq: Keras 3 Sequential of custom layers, shapes from the next layer's build_config", async () => {
    const r = propagate(await load("k3seq-qkeras-v3_3layer.keras"));
    expect(r.model.graph.inputs).toEqual([{ name: "fc1_input", dtype: "float32", shape: [null, 16] }]);
    expect(r.order.map((n) => `${n.name}:${n.opType}`)).toEqual([
      "fc1:qkeras>QDense",
      "relu1:qkeras>QActivation",
      "fc2:qkeras>QDense",
      "relu2:qkeras>QActivation",
      "fc3:qkeras>QDense",
      "relu3:qkeras>QActivation",
      "output:qkeras>QDense",
      "softmax:Activation",
    ]);
    expect(nodeShape(r, "fc1")).toBe("[?, 64]");
    expect(nodeShape(r, "relu3")).toBe("[?, 32]");
    expect([...r.fromDeclaration].sort()).toEqual(["fc1", "fc2", "fc3", "relu1", "relu2", "relu3"]);
    // The last QDense has no successor with a build_config: unknown.
    expect(nodeShape(r, "output")).toBe("[?]");
    expect([...r.unsupported.keys()].sort()).toEqual(["keras::qkeras>QActivation", "keras::qkeras>QDense"]);
  });
});

describe.skipIf(!SAMPLES_PRESENT)("functional flavours", () => {
  test("tfjsmimo: model input order from input_layers, 7 outputs, Embedding on int32", async () => {
    const m = await load("tfjsmimo-model.json");
    expect(m.graph.inputs.map((i) => i.name)).toEqual(["input_2", "input_3"]);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(["dense_3", "batch_normalization_3", "up_sampling2d_1", "batch_normalization_4", "up_sampling2d_2", "batch_normalization_5", "activation_3"]);
    const r = propagate(m);
    expect(nodeShape(r, "embedding_1")).toBe("[input_3_d0, 1, 100]");
    expect(r.values.get("embedding_1")?.dtype).toBe("float32");
    expect(nodeShape(r, "multiply_1")).toBe("[input_2_d0, 100]");
    expect(nodeShape(r, "up_sampling2d_2")).toBe("[input_2_d0, 28, 28, 128]");
    expect(nodeShape(r, "activation_3")).toBe("[input_2_d0, 28, 28, 1]");
  });

  test("tfjsold U-Net: every skip concatenation lines up", async () => {
    const r = propagate(await load("tfjsold-model.json"));
    expect(["concatenate_15", "concatenate_16", "concatenate_17", "concatenate_18", "concatenate_19", "conv2d_91"].map((n) => nodeShape(r, n))).toEqual([
      "[input_4_d0, 8, 8, 192]",
      "[input_4_d0, 16, 16, 96]",
      "[input_4_d0, 32, 32, 48]",
      "[input_4_d0, 64, 64, 24]",
      "[input_4_d0, 128, 128, 12]",
      "[input_4_d0, 128, 128, 1]",
    ]);
  });

  test("tfjsjs: saved from JavaScript, modelTopology is the config", async () => {
    const r = propagate(await load("tfjsjs-model.json"));
    expect(r.model.graph.name).toBe("model2");
    expect(nodeNamed(r.model, "dense_Dense2").loc.pointer).toBe("/modelTopology/config/layers/1");
    expect(nodeShape(r, "activation_Activation1")).toBe("[input2_d0, 64, 64, 3]");
  });

  test("tk214: None spatial dims named H and W; decoder returns 4*ceil(H/4)", async () => {
    const m = await load("tk214-config.json");
    expect(m.graph.inputs.map((i) => i.shape?.map((d) => formatDim(d)).join(","))).toEqual(["?,H,W,3"]);
    const r = propagate(m);
    expect(nodeShape(r, "pool2")).toBe("[image_input_d0, ceil(H/4), ceil(W/4), 64]");
    expect(nodeShape(r, "Conv5")).toBe("[image_input_d0, 4*ceil(H/4), 4*ceil(W/4), 3]");
  });

  test("k3unet: Keras 3 args/kwargs nodes, Concatenate of one list argument", async () => {
    const m = await load("k3unet-unet.json");
    expect(nodeNamed(m, "concatenate_3").inputs).toEqual(["conv2d_transpose_3", "cropping2d_3"]);
    const r = propagate(m);
    expect(nodeShape(r, "conv2d_transpose_3")).toBe("[input_layer_1_d0, 90, 120, 64]");
    expect(nodeShape(r, "conv2d_23")).toBe("[input_layer_1_d0, 360, 480, 1]");
    // Keras 3 < 3.15 does not write output_padding: the default is assumed and said so.
    expect(factsOf(r, "assumed-default", "conv2d_transpose_3")).toEqual([
      { attribute: "output_padding", assumed: null, reason: "Keras 3 files before 3.15 omit output_padding even when it was set" },
    ]);
  });

  test("k3siam: shared nested Functional without node offset, custom layer from the next tensor's recorded shape", async () => {
    const m = await load("k3siam-siamese_model.keras");
    expect(nodeNamed(m, "functional_4/input_layer_6").inputs).toEqual(["input_layer_7"]);
    expect(nodeNamed(m, "functional_4@1/input_layer_6").inputs).toEqual(["input_layer_8"]);
    expect(nodeNamed(m, "l1_distance_2").inputs).toEqual(["functional_4/dense_10", "functional_4@1/dense_10"]);
    expect(nodeNamed(m, "l1_distance_2").opType).toBe("L1Distance");
    // Non-tensor call options are kept.
    expect(nodeNamed(m, "functional_4/dropout_4").attrs.get("call_kwargs")).toEqual({ type: "json", value: { training: false } });
    const r = propagate(m);
    expect(nodeShape(r, "functional_4@1/dense_10")).toBe("[input_layer_8_d0, 1, 32]");
    expect(nodeShape(r, "l1_distance_2")).toBe("[?, 32]");
    expect([...r.fromDeclaration]).toEqual(["l1_distance_2"]);
    expect(nodeShape(r, "dense_11")).toBe("[?, 1]");
  });
});

/** Walk a Keras 3 inbound node the way Keras orders call arguments; collect `__keras_tensor__` configs. */
function kerasTensors(node: unknown): { shape: (number | null)[] }[] {
  const out: { shape: (number | null)[] }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o["class_name"] === "__keras_tensor__") out.push(o["config"] as { shape: (number | null)[] });
      else for (const k of ["args", "kwargs"].filter((k) => k in o).length ? ["args", "kwargs"] : Object.keys(o)) walk(o[k]);
    }
  };
  walk(node);
  return out;
}

describe.skipIf(!SAMPLES_PRESENT)("recorded shapes agree with propagation (Keras 3 __keras_tensor__ and build_config)", () => {
  const files = ["k3unet-unet.json", "k3siam-siamese_model.keras", "k3seq-qkeras-v3_3layer.keras", "k3-nested-offsets.json", "h5-keras3.h5", "tk214-config.json"];
  test.each(files)("%s", async (file) => {
    const m = await load(file);
    const r = propagate(m);
    // The config JSON itself (the member / attribute for .keras and .h5 files).
    const path = kerasFile(file);
    const text = file.endsWith(".keras")
      ? (await readKerasArchive(path, statSync(path).size)).config
      : file.endsWith(".h5")
        ? (await readKerasH5(path, statSync(path).size)).config!
        : readFileSync(path, "utf8");
    const doc = JSON.parse(text.replace(/\bNaN\b/g, "null"));
    let compared = 0;
    for (const n of m.graph.nodes) {
      if (n.opType === "InputLayer") continue;
      const entry = resolvePointer(doc, n.loc.pointer!) as Record<string, unknown>;
      const call = /@(\d+)$/.exec(n.name.split("/").pop()!)?.[1];
      const inbound = entry["inbound_nodes"] as unknown[] | undefined;
      const recorded: (readonly (number | null)[])[] = [];
      if (inbound && inbound[call ? Number(call) : 0] !== undefined) for (const t of kerasTensors(inbound[call ? Number(call) : 0])) recorded.push(t.shape);
      const bcAttr = n.attrs.get("build_config");
      const bc = bcAttr?.type === "json" ? (bcAttr.value as { input_shape?: unknown } | null) : null;
      if (recorded.length === 0 && bc && Array.isArray(bc.input_shape)) {
        const s = bc.input_shape as unknown[];
        if (s.every((d) => Array.isArray(d))) recorded.push(...(s as (number | null)[][]));
        else recorded.push(s as (number | null)[]);
      }
      recorded.forEach((shape, i) => {
        const v = n.inputs[i]!;
        const info = r.values.get(v);
        expect(info?.shape, `${n.name} input ${i} (${v})`).not.toBeNull();
        if (r.fromDeclaration.has(v)) return; // an opaque layer's output: the recorded shape is the only source
        expect(info!.shape!.length, `${n.name} input ${i} rank`).toBe(shape.length);
        shape.forEach((d, axis) => {
          if (axis === 0 || d === null) return;
          expect(info!.shape![axis], `${n.name} input ${i} (${v}) axis ${axis}`).toBe(d);
          compared++;
        });
      });
    }
    // Number of recorded non-batch dims compared (all of them that are known in the file).
    const expected: Record<string, number> = {
      "k3unet-unet.json": 114,
      "k3siam-siamese_model.keras": 24,
      "k3seq-qkeras-v3_3layer.keras": 1,
      "k3-nested-offsets.json": 16,
      "h5-keras3.h5": 2,
      "tk214-config.json": 9,
    };
    expect(compared).toBe(expected[file]);
  });
});

describe.skipIf(!SAMPLES_PRESENT)("source locations", () => {
  const jsonFiles = ["k1seq-model.json", "k2nest-autoencoder.json", "k2shared-siamese_network.json", "k2seq-generator.json", "tk214-config.json", "k3unet-unet.json", "tfjsconv-model.json", "tfjsold-model.json", "tfjsjs-model.json", "tfjsmimo-model.json", "k3-nested-offsets.json"];
  test.each(jsonFiles)("%s: every node's pointer and line/column name its layer object", async (file) => {
    const text = readFileSync(kerasFile(file), "utf8");
    const doc = JSON.parse(text);
    const lines = text.split(/\r?\n/);
    const m = await load(file);
    for (const n of m.graph.nodes) {
      expect(n.loc.file).toBe(kerasFile(file));
      const entry = resolvePointer(doc, n.loc.pointer!) as Record<string, unknown>;
      const cfg = entry["config"] as Record<string, unknown>;
      expect(entry["name"] ?? cfg["name"], n.name).toBe(n.loc.nodeName);
      expect(lines[n.loc.line! - 1]![n.loc.column! - 1], `${n.name} at ${n.loc.line}:${n.loc.column}`).toBe("{");
      // The object starting there is the layer: its text parses to the same entry.
      const offset = lines.slice(0, n.loc.line! - 1).reduce((s, l) => s + l.length + 1, 0) + n.loc.column! - 1;
      const tail = text.slice(offset);
      let depth = 0;
      let end = 0;
      let inStr = false;
      for (let i = 0; i < tail.length; i++) {
        const c = tail[i];
        if (inStr) {
          if (c === "\\") i++;
          else if (c === '"') inStr = false;
        } else if (c === '"') inStr = true;
        else if (c === "{") depth++;
        else if (c === "}" && --depth === 0) {
          end = i + 1;
          break;
        }
      }
      expect(JSON.parse(tail.slice(0, end))).toEqual(entry);
    }
  });

  test("archive and HDF5 locations point into the embedded JSON", async () => {
    const m = await load("k3siam-siamese_model.keras");
    const n = nodeNamed(m, "dense_11");
    expect(n.loc).toEqual({ file: kerasFile("k3siam-siamese_model.keras"), nodeName: "dense_11", pointer: "/config/layers/4", line: 1, column: n.loc.column, scope: [] });
    expect(n.loc.column).toBeGreaterThan(1000);
    const h = await load("h5-vlen-autoencoder.h5");
    expect(nodeNamed(h, "dec1").loc).toMatchObject({ pointer: "/config/layers/4", line: 1 });
  });

  test("shared and nested calls share their layer's location", async () => {
    const m = await load("k2shared-siamese_network.json");
    expect(nodeNamed(m, "sequential_1@1/conv2d_1").loc).toEqual({ ...nodeNamed(m, "sequential_1/conv2d_1").loc });
    expect(nodeNamed(m, "sequential_1@1/conv2d_1").loc.scope).toEqual(["sequential_1"]);
  });

  test("shape of the first output of every node is known wherever Keras could know it", async () => {
    const r = propagate(await load("tfjsold-model.json"));
    for (const n of r.order) expect(shapeText(r, n.outputs[0]!)).not.toContain("?");
  });
});

describe.skipIf(SAMPLES_PRESENT)("shared Keras samples", () => {
  test.skip(`absent: expected the public samples of shared/formats/keras at ${SAMPLES}`, () => {});
});
