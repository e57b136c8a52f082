/**
 * Keras containers and encodings beyond the real samples: HDF5 (vlen / fixed-length strings,
 * Keras 3 hybrid), `.keras` with a deflated config, Keras 1 functional graphs, Keras 2 shared
 * layers and multi-output references, Keras 3 model I/O forms, nested-model offsets, Python's
 * non-finite literals, `keras.ops` entries and custom classes.
 */
import { describe, expect, test } from "vitest";
import { formatDim } from "../../src/ir/dim.js";
import { loadKerasFile, loadKerasText } from "../../src/loaders/keras/index.js";
import { loadModelFile } from "../../src/loaders/index.js";
import { propagate } from "../../src/shapes/propagate.js";
import { SAMPLES_PRESENT, kerasFile, fnJson, fnLayer, inputLayer, nodeNamed, nodeShape } from "./helpers.js";

describe("HDF5 model files", () => {
  test.each([
    ["h5-vlen-autoencoder.h5", "2.4.0"],
    ["h5-fixed-autoencoder.h5", "2.1.6"],
  ])("%s: model_config read, autoencoder 28 -> 4 -> 32", async (file, version) => {
    const m = await loadKerasFile(kerasFile(file));
    expect(m.flavour).toBe("h5");
    expect(m.producer).toEqual({ name: "keras", version });
    expect([...m.opsets]).toEqual([["keras", 2]]);
    const r = propagate(m);
    expect(["enc1", "enc2", "enc3", "dec1", "dec2", "dec3", "out"].map((n) => nodeShape(r, n))).toEqual([
      "[image_d0, 14, 14, 8]",
      "[image_d0, 7, 7, 8]",
      "[image_d0, 4, 4, 8]",
      "[image_d0, 8, 8, 8]",
      "[image_d0, 16, 16, 8]",
      "[image_d0, 32, 32, 8]",
      "[image_d0, 32, 32, 1]",
    ]);
  });

  test("Keras 3 writing .h5: legacy entries with args/kwargs nodes, batch_shape, output_padding", async () => {
    const m = await loadKerasFile(kerasFile("h5-keras3.h5"));
    expect([m.flavour, m.producer?.version, m.opsets.get("keras")]).toEqual(["h5", "3.4.1", 3]);
    expect(m.graph.inputs.map((i) => i.shape?.map((d) => formatDim(d)).join(","))).toEqual(["?,H,W,3"]);
    const r = propagate(m);
    // same, k3, s2, output_padding 1: (n-1)*2 + (3 mod 2) + 1 = 2n.
    expect(nodeShape(r, "up")).toBe("[img_d0, 2*ceil(H/2), 2*ceil(W/2), 3]");
  });

  test("the loader entry point dispatches .h5, .keras and JSON to the Keras loader", async () => {
    for (const f of ["h5-vlen-autoencoder.h5", "zip-deflated.keras", ...(SAMPLES_PRESENT ? ["k2nest-autoencoder.json"] : [])]) {
      const m = await loadModelFile(kerasFile(f), { displayName: f });
      expect(m.format).toBe("keras");
      expect(m.file).toBe(f);
    }
  });
});

describe(".keras archives", () => {
  test("deflated config.json; version from metadata.json", async () => {
    const m = await loadKerasFile(kerasFile("zip-deflated.keras"), { displayName: "model.keras" });
    expect([m.flavour, m.file, m.producer?.version, m.opsets.get("keras")]).toEqual(["keras-zip", "model.keras", "3.15.0", 3]);
    expect(nodeNamed(m, "decoder/up_2").loc.file).toBe("model.keras");
  });
});

describe("Keras 3 model I/O forms and nested-model offsets (k3-nested-offsets.json)", () => {
  test("bare-triple input_layers, dict output_layers, k-1 for a nested Functional, k for a Sequential", async () => {
    const m = await loadKerasFile(kerasFile("k3-nested-offsets.json"));
    expect(m.graph.inputs.map((i) => i.name)).toEqual(["image"]);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(["decoder/up_2", "head/logits"]);
    // Node refs ["encoder", 0, 0] have no offset in Keras 3.
    expect(nodeNamed(m, "decoder/input_layer").inputs).toEqual(["encoder/conv_2"]);
    expect(nodeNamed(m, "head/head_input").inputs).toEqual(["encoder/conv_2"]);
    expect(nodeNamed(m, "head/logits").loc.scope).toEqual(["head"]);
    const r = propagate(m);
    expect(nodeShape(r, "decoder/up_1")).toBe("[image_d0, 14, 14, 8]");
    // output_padding [1, 1] with same padding, k3 s2: 13*2 + 1 + 1 = 28.
    expect(nodeShape(r, "decoder/up_2")).toBe("[image_d0, 28, 28, 1]");
    expect(nodeShape(r, "head/logits")).toBe("[image_d0, 10]");
    expect(r.facts.filter((f) => f.kind === "assumed-default")).toEqual([]);
  });

  test("a nested Sequential without an input shape is referenced without offset in Keras 2 (tf.keras)", () => {
    const text = fnJson(
      [
        inputLayer("x", [8]),
        { name: "seq", class_name: "Sequential", config: { name: "seq", layers: [{ class_name: "Dense", config: { name: "d", units: 4 } }] }, inbound_nodes: [[["x", 0, 0, {}]]] },
        fnLayer("out", "Dense", { units: 2 }, [[["seq", 0, 0]]]),
      ],
      ["x"],
      [["out", 0, 0]],
    );
    const r = propagate(loadKerasText(text, "m.json"));
    expect(nodeNamed(r.model, "out").inputs).toEqual(["seq/d"]);
    expect(nodeShape(r, "out")).toBe("[x_d0, 2]");
  });

  test("the nested-model offset is proven by the reference itself when the rule's index does not exist", () => {
    // A Keras 2 file whose nested Functional is referenced as call 0 (as if written without offset).
    const inner = {
      name: "inner",
      class_name: "Functional",
      config: { name: "inner", layers: [inputLayer("i", [4]), fnLayer("d", "Dense", { units: 3 }, [[["i", 0, 0]]])], input_layers: [["i", 0, 0]], output_layers: [["d", 0, 0]] },
      inbound_nodes: [[["x", 0, 0, {}]]],
    };
    const text = fnJson([inputLayer("x", [4]), inner, fnLayer("out", "Dense", { units: 1 }, [[["inner", 0, 0]]])], ["x"], [["out", 0, 0]]);
    const m = loadKerasText(text, "m.json");
    expect(nodeNamed(m, "out").inputs).toEqual(["inner/d"]);
  });
});

describe("Keras 1 functional graphs", () => {
  const k1 = {
    class_name: "Model",
    keras_version: "1.2.2",
    config: {
      name: "k1",
      layers: [
        { name: "in", class_name: "InputLayer", config: { batch_input_shape: [null, 3, 32, 32], input_dtype: "float32", sparse: false, name: "in" }, inbound_nodes: [] },
        {
          name: "atrous",
          class_name: "AtrousConvolution2D",
          config: { name: "atrous", nb_filter: 8, nb_row: 3, nb_col: 3, atrous_rate: [2, 2], border_mode: "valid", subsample: [1, 1], dim_ordering: "th", activation: "linear", init: "glorot_uniform", bias: true },
          inbound_nodes: [[["in", 0, 0]]],
        },
        {
          name: "plain",
          class_name: "Convolution2D",
          config: { name: "plain", nb_filter: 8, nb_row: 3, nb_col: 3, border_mode: "valid", subsample: [1, 1], dim_ordering: "th", activation: "relu", init: "glorot_uniform", bias: true },
          inbound_nodes: [[["in", 0, 0]]],
        },
        {
          name: "deconv",
          class_name: "Deconvolution2D",
          config: { name: "deconv", nb_filter: 8, nb_row: 3, nb_col: 3, output_shape: [null, 8, 30, 30], border_mode: "valid", subsample: [1, 1], dim_ordering: "th", activation: "linear" },
          inbound_nodes: [[["atrous", 0, 0]]],
        },
        { name: "cat", class_name: "Merge", config: { name: "cat", mode: "concat", concat_axis: 1, dot_axes: -1, output_shape: null, mode_type: "raw" }, inbound_nodes: [[["deconv", 0, 0], ["plain", 0, 0]]] },
        { name: "sum", class_name: "Merge", config: { name: "sum", mode: "sum", concat_axis: -1, dot_axes: -1, output_shape: null, mode_type: "raw" }, inbound_nodes: [[["deconv", 0, 0], ["plain", 0, 0]]] },
      ],
      input_layers: [["in", 0, 0]],
      output_layers: [
        ["cat", 0, 0],
        ["sum", 0, 0],
      ],
    },
  };

  test("3-list nodes, Keras 1 names and th ordering, Merge modes, Deconvolution2D output_shape", () => {
    const m = loadKerasText(JSON.stringify(k1), "k1.json");
    expect([m.flavour, m.opsets.get("keras"), m.producer?.version]).toEqual(["keras1-json", 1, "1.2.2"]);
    expect(m.graph.nodes.map((n) => `${n.name}:${n.opType}`)).toEqual(["atrous:Conv2D", "plain:Conv2D", "deconv:Conv2DTranspose", "cat:Concatenate", "sum:Add"]);
    const r = propagate(m);
    expect(r.contradictions).toEqual([]);
    // Dilation 2: effective kernel 5, 32 - 5 + 1 = 28; channels first.
    expect(nodeShape(r, "atrous")).toBe("[in_d0, 8, 28, 28]");
    expect(nodeShape(r, "plain")).toBe("[in_d0, 8, 30, 30]");
    expect(nodeShape(r, "deconv")).toBe("[in_d0, 8, 30, 30]");
    expect(nodeShape(r, "cat")).toBe("[in_d0, 16, 30, 30]");
    expect(nodeShape(r, "sum")).toBe("[in_d0, 8, 30, 30]");
    expect(r.facts.filter((f) => f.kind === "conv-transpose").map((f) => f.data)).toEqual([
      { axis: 2, input: 28, kernel: 3, stride: 1, dilation: 1, padding: "valid", outputPadding: null, outputShape: 30, output: 30, legal: { lo: 30, hi: 30 } },
      { axis: 3, input: 28, kernel: 3, stride: 1, dilation: 1, padding: "valid", outputPadding: null, outputShape: 30, output: 30, legal: { lo: 30, hi: 30 } },
    ]);
  });

  test("a Deconvolution2D output_shape outside the legal range is a contradiction", () => {
    const bad = JSON.parse(JSON.stringify(k1)) as typeof k1;
    (bad.config.layers[3]!.config as Record<string, unknown>)["output_shape"] = [null, 8, 31, 30];
    const r = propagate(loadKerasText(JSON.stringify(bad), "k1.json"));
    expect(r.contradictions.map((c) => [c.node.name, c.code, c.data])).toEqual([
      ["deconv", "OUTPUT_SHAPE_OUT_OF_RANGE", { axis: 2, outputShape: 31, legal: { lo: 30, hi: 30 } }],
      // and the 31 no longer fits the 30 of the other branch:
      ["cat", "CONCAT_MISMATCH", { axis: 2, concatAxis: 1, dims: [31, 30], inputs: ["deconv", "plain"] }],
      ["sum", "BROADCAST_MISMATCH", { axis: 2, dims: [31, 30], inputs: ["deconv", "plain"] }],
    ]);
  });
});

describe("shared layers and multi-output references (Keras 2)", () => {
  test("one node per call: layer, layer@1; output t > 0 is layer:t", () => {
    const text = fnJson(
      [
        inputLayer("a", [10, 4]),
        inputLayer("b", [12, 4]),
        fnLayer("shared", "Dense", { units: 6 }, [[["a", 0, 0]], [["b", 0, 0]]]),
        fnLayer("rnn", "LSTM", { units: 5, return_sequences: false, return_state: true }, [[["shared", 1, 0]]]),
        fnLayer("h", "Dense", { units: 2 }, [[["rnn", 0, 1]]]),
        fnLayer("c", "Dense", { units: 3 }, [[["rnn", 0, 2]]]),
      ],
      ["a", "b"],
      [
        ["shared", 0, 0],
        ["rnn", 0, 0],
        ["h", 0, 0],
        ["c", 0, 0],
      ],
    );
    const m = loadKerasText(text, "shared.json");
    expect(m.graph.nodes.map((n) => `${n.name}(${n.inputs.join(",")})->${n.outputs.join(",")}`)).toEqual([
      "shared(a)->shared",
      "shared@1(b)->shared@1",
      "rnn(shared@1)->rnn,rnn:1,rnn:2",
      "h(rnn:1)->h",
      "c(rnn:2)->c",
    ]);
    const r = propagate(m);
    expect(nodeShape(r, "shared")).toBe("[a_d0, 10, 6]");
    expect(nodeShape(r, "shared@1")).toBe("[b_d0, 12, 6]");
    expect(["rnn", "rnn:1", "rnn:2"].map((v) => r.values.get(v)?.shape?.map((d) => formatDim(d)).join(","))).toEqual(["b_d0,5", "b_d0,5", "b_d0,5"]);
    expect(nodeShape(r, "c")).toBe("[b_d0, 3]");
  });

  test("several inputs with None axes get input-prefixed symbols", () => {
    const text = fnJson(
      [inputLayer("img", [null, null, 3]), inputLayer("seq", [null]), fnLayer("c", "Conv2D", { filters: 2, kernel_size: [3, 3], padding: "same" }, [[["img", 0, 0]]]), fnLayer("e", "Embedding", { input_dim: 100, output_dim: 8 }, [[["seq", 0, 0]]])],
      ["img", "seq"],
      [
        ["c", 0, 0],
        ["e", 0, 0],
      ],
    );
    const m = loadKerasText(text, "two.json");
    expect(m.graph.inputs.map((i) => i.shape?.map((d) => formatDim(d)).join(","))).toEqual(["?,img_H,img_W,3", "?,seq_L"]);
    const r = propagate(m);
    expect(nodeShape(r, "e")).toBe("[seq_d0, seq_L, 8]");
  });

  test("channels_first consumer places H, W after the channel axis", () => {
    const text = fnJson([inputLayer("x", [null, null, null]), fnLayer("c", "Conv2D", { filters: 4, kernel_size: 3, strides: 2, padding: "same", data_format: "channels_first" }, [[["x", 0, 0]]])], ["x"], [["c", 0, 0]]);
    const r = propagate(loadKerasText(text, "cf.json"));
    expect(r.model.graph.inputs[0]!.shape!.map((d) => formatDim(d))).toEqual(["?", "C", "H", "W"]);
    expect(nodeShape(r, "c")).toBe("[x_d0, 4, ceil(H/2), ceil(W/2)]");
  });
});

describe("JSON details", () => {
  test("Python's NaN, Infinity and -Infinity are accepted; strings are left alone; positions stay exact", () => {
    const text = `{"class_name": "Sequential", "config": {"name": "s", "layers": [
  {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [null, 4]}},
  {"class_name": "ReLU", "config": {"name": "r", "max_value": Infinity, "negative_slope": NaN, "threshold": -Infinity, "note": "NaN Infinity"}},
     {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}, "keras_version": "2.4.0"}`;
    const m = loadKerasText(text, "nan.json");
    const r = nodeNamed(m, "r");
    expect(r.attrs.get("max_value")).toEqual({ type: "json", value: Infinity });
    expect(r.attrs.get("threshold")).toEqual({ type: "json", value: -Infinity });
    expect(Number.isNaN((r.attrs.get("negative_slope") as { value: number }).value)).toBe(true);
    expect(r.attrs.get("note")).toEqual({ type: "json", value: "NaN Infinity" });
    expect([r.loc.line, r.loc.column]).toEqual([3, 3]);
    expect([nodeNamed(m, "d").loc.line, nodeNamed(m, "d").loc.column]).toEqual([4, 6]);
    expect(nodeShape(propagate(m), "d")).toBe("[x_d0, 2]");
  });

  test("a top-level list of layers is a Sequential; CRLF line ends and a BOM keep columns right", () => {
    const text = '\uFEFF[\r\n {"class_name": "Dense", "config": {"name": "d", "units": 3, "batch_input_shape": [null, 5]}},\r\n {"class_name": "Dense", "config": {"name": "e", "units": 1}}]';
    const m = loadKerasText(text, "list.json");
    expect(m.graph.inputs).toEqual([{ name: "d_input", dtype: null, shape: [null, 5] }]);
    expect([nodeNamed(m, "e").loc.line, nodeNamed(m, "e").loc.column, nodeNamed(m, "e").loc.pointer]).toEqual([3, 2, "/1"]);
    expect(nodeShape(propagate(m), "e")).toBe("[d_input_d0, 1]");
  });

  test("Keras 3 keras.ops entries are told apart from layers by their module; custom classes by registered_name", () => {
    const t = (shape: (number | null)[], name: string) => ({ class_name: "__keras_tensor__", config: { shape, dtype: "float32", keras_history: [name, 0, 0] } });
    const doc = {
      module: "keras.src.models.functional",
      class_name: "Functional",
      registered_name: "Functional",
      config: {
        name: "ops",
        layers: [
          { module: "keras.layers", class_name: "InputLayer", registered_name: null, name: "x", config: { name: "x", batch_shape: [null, 4, 1] }, inbound_nodes: [] },
          { module: "keras.layers", class_name: "InputLayer", registered_name: null, name: "y", config: { name: "y", batch_shape: [null, 1, 6] }, inbound_nodes: [] },
          { module: "keras.src.ops.numpy", class_name: "Add", registered_name: null, name: "add", config: { name: "add" }, inbound_nodes: [{ args: [t([null, 4, 1], "x"), t([null, 1, 6], "y")], kwargs: {} }] },
          { module: "my.layers", class_name: "Dense", registered_name: "my>Dense", name: "mine", config: { name: "mine", units: 3 }, inbound_nodes: [{ args: [t([null, 4, 6], "add")], kwargs: {} }] },
        ],
        input_layers: [
          ["x", 0, 0],
          ["y", 0, 0],
        ],
        output_layers: [["mine", 0, 0]],
      },
    };
    const m = loadKerasText(JSON.stringify(doc), "ops.json");
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(["ops.Add", "my>Dense"]);
    const r = propagate(m);
    // numpy broadcasting over every axis
    expect(nodeShape(r, "add")).toBe("[x_d0, 4, 6]");
    expect(nodeShape(r, "mine")).toBe("[?]");
    expect([...r.unsupported.keys()]).toEqual(["keras::my>Dense"]);
  });

  test("loadKerasText of a TF.js model.json with and without model_config", async () => {
    const cfg = { class_name: "Sequential", config: { name: "s", layers: [{ class_name: "Dense", config: { name: "d", units: 2, batch_input_shape: [null, 3] } }] } };
    const wrapped = loadKerasText(JSON.stringify({ modelTopology: { keras_version: "2.2.4-tf", backend: "tensorflow", model_config: cfg }, weightsManifest: [] }), "a.json");
    expect([wrapped.flavour, wrapped.producer, nodeNamed(wrapped, "d").loc.pointer]).toEqual(["tfjs", { name: "keras", version: "2.2.4-tf" }, "/modelTopology/model_config/config/layers/0"]);
    const bare = loadKerasText(JSON.stringify({ format: "layers-model", generatedBy: "TensorFlow.js tfjs-layers v4.22.0", modelTopology: { ...cfg, keras_version: "tfjs-layers 4.22.0", backend: "tensor_flow.js" } }), "b.json");
    expect([bare.flavour, bare.producer, nodeNamed(bare, "d").loc.pointer]).toEqual(["tfjs", { name: "tfjs-layers", version: "4.22.0" }, "/modelTopology/config/layers/0"]);
  });
});

describe("scale", () => {
  test("a 20000-layer functional config (5.5 MB) loads and propagates quickly, with locations", () => {
    const layers: Record<string, unknown>[] = [inputLayer("x", [16, 16, 8])];
    let prev = "x";
    for (let i = 0; i < 20000; i++) {
      layers.push(fnLayer(`c${i}`, "Conv2D", { filters: 8, kernel_size: 3, padding: "same" }, [[[prev, 0, 0]]]));
      prev = `c${i}`;
    }
    const text = fnJson(layers, ["x"], [[prev, 0, 0]]);
    const t0 = performance.now();
    const m = loadKerasText(text, "big.json");
    const r = propagate(m);
    const ms = performance.now() - t0;
    // Linear work: a quadratic step (e.g. rescanning the text per line) would take minutes here.
    expect(ms).toBeLessThan(10_000);
    expect(nodeShape(r, prev)).toBe("[x_d0, 16, 16, 8]");
    const last = nodeNamed(m, prev);
    expect(last.loc.pointer).toBe("/config/layers/20000");
    expect(text.split("\n")[last.loc.line! - 1]!.slice(last.loc.column! - 1)).toBe("{");
  });
});

describe("more encodings", () => {
  test("Keras 1 1D layer spellings: filter_length, subsample_length, pool_length, stride, length, output_dim", () => {
    const doc = {
      class_name: "Sequential",
      keras_version: "1.2.2",
      config: [
        { class_name: "Convolution1D", config: { name: "c", nb_filter: 4, filter_length: 3, subsample_length: 2, border_mode: "valid", batch_input_shape: [null, 21, 2], input_dtype: "float32" } },
        { class_name: "MaxPooling1D", config: { name: "p", pool_length: 2, stride: null, border_mode: "valid" } },
        { class_name: "UpSampling1D", config: { name: "u", length: 3 } },
        { class_name: "ZeroPadding1D", config: { name: "z", padding: 1 } },
        { class_name: "Flatten", config: { name: "f" } },
        { class_name: "Dropout", config: { name: "d", p: 0.5 } },
        { class_name: "Dense", config: { name: "o", output_dim: 7 } },
      ],
    };
    const r = propagate(loadKerasText(JSON.stringify(doc), "k1.json"));
    // floor((21-3)/2)+1 = 10; pool 2 -> 5; x3 -> 15; +2 -> 17; flatten 17*4 = 68
    expect(["c", "p", "u", "z", "f", "d", "o"].map((n) => nodeShape(r, n))).toEqual([
      "[c_input_d0, 10, 4]",
      "[c_input_d0, 5, 4]",
      "[c_input_d0, 15, 4]",
      "[c_input_d0, 17, 4]",
      "[c_input_d0, 68]",
      "[c_input_d0, 68]",
      "[c_input_d0, 7]",
    ]);
    expect(r.model.graph.inputs[0]!.dtype).toBe("float32");
  });

  test("Sequential input shape from build_input_shape only; models nested in a Sequential", () => {
    const doc = {
      module: "keras",
      class_name: "Sequential",
      registered_name: null,
      config: {
        name: "outer",
        build_input_shape: [null, 12, 12, 1],
        layers: [
          { module: "keras.layers", class_name: "Conv2D", registered_name: null, config: { name: "c", filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: "valid" } },
          {
            module: "keras",
            class_name: "Sequential",
            registered_name: null,
            config: { name: "inner_seq", layers: [{ module: "keras.layers", class_name: "MaxPooling2D", registered_name: null, config: { name: "p", pool_size: [2, 2], padding: "valid" } }] },
          },
          {
            module: "keras.src.models.functional",
            class_name: "Functional",
            registered_name: "Functional",
            config: {
              name: "inner_fn",
              layers: [
                { module: "keras.layers", class_name: "InputLayer", registered_name: null, name: "i", config: { name: "i", batch_shape: [null, 5, 5, 4] }, inbound_nodes: [] },
                { module: "keras.layers", class_name: "Flatten", registered_name: null, name: "f", config: { name: "f" }, inbound_nodes: [{ args: [{ class_name: "__keras_tensor__", config: { shape: [null, 5, 5, 4], dtype: "float32", keras_history: ["i", 0, 0] } }], kwargs: {} }] },
              ],
              input_layers: [["i", 0, 0]],
              output_layers: [["f", 0, 0]],
            },
          },
        ],
      },
    };
    const m = loadKerasText(JSON.stringify(doc), "nested-seq.json");
    expect(m.graph.inputs).toEqual([{ name: "c_input", dtype: null, shape: [null, 12, 12, 1] }]);
    expect(m.graph.nodes.map((n) => `${n.name}<-${n.inputs.join(",")}`)).toEqual(["c<-c_input", "inner_seq/p<-c", "inner_fn/i<-inner_seq/p", "inner_fn/f<-inner_fn/i"]);
    const r = propagate(m);
    expect(nodeShape(r, "inner_fn/f")).toBe("[c_input_d0, 100]");
    expect(m.graph.outputs.map((o) => o.name)).toEqual(["inner_fn/f"]);
  });

  test("Keras 2 TFOpLambda: constants are not edges, tensor kwargs are inputs, other kwargs are kept", () => {
    const text = fnJson(
      [
        inputLayer("x", [4]),
        inputLayer("y", [4]),
        { name: "tf.math.add", class_name: "TFOpLambda", config: { name: "tf.math.add", function: "math.add" }, inbound_nodes: [["x", 0, 0, { y: ["y", 0, 0], name: null }]] },
        { name: "tf.math.multiply", class_name: "TFOpLambda", config: { name: "tf.math.multiply", function: "math.multiply" }, inbound_nodes: [["tf.math.add", 0, 0, { y: ["_CONSTANT_VALUE", -1, 2.0], name: null }]] },
      ],
      ["x", "y"],
      [["tf.math.multiply", 0, 0]],
    );
    const m = loadKerasText(text, "tfop.json");
    expect(m.graph.nodes.map((n) => [n.name, n.inputs, n.attrs.get("call_kwargs")?.value])).toEqual([
      ["tf.math.add", ["x", "y"], { name: null }],
      ["tf.math.multiply", ["tf.math.add"], { y: ["_CONSTANT_VALUE", -1, 2], name: null }],
    ]);
    expect([...propagate(m).unsupported.keys()]).toEqual(["keras::TFOpLambda"]);
  });
});

describe("readable input symbols", () => {
  test("the layout is found past a nested model's InputLayer and shape-preserving layers", () => {
    const inner = {
      name: "enc",
      class_name: "Functional",
      config: {
        name: "enc",
        layers: [inputLayer("i", [2, null, null]), fnLayer("bn", "BatchNormalization", { axis: 1 }, [[["i", 0, 0]]]), fnLayer("c", "Conv2D", { filters: 4, kernel_size: 3, strides: 2, padding: "same", data_format: "channels_first" }, [[["bn", 0, 0]]])],
        input_layers: [["i", 0, 0]],
        output_layers: [["c", 0, 0]],
      },
      inbound_nodes: [[["x", 0, 0, {}]]],
    };
    const m = loadKerasText(fnJson([inputLayer("x", [2, null, null]), inner], ["x"], [["enc", 1, 0]]), "cf.json");
    expect(m.graph.inputs[0]!.shape!.map((d) => formatDim(d))).toEqual(["?", "2", "H", "W"]);
    expect(nodeShape(propagate(m), "enc/c")).toBe("[x_d0, 4, ceil(H/2), ceil(W/2)]");
  });
});
