import { describe, expect, it } from "vitest";
import { resolve } from "node:path";
import { applyFixSteps } from "../../src/lint/fixes.js";
import { loadModelFile } from "../../src/loaders/index.js";
import { propagate } from "../../src/shapes/propagate.js";
import { ROOT, runRules } from "../../test/helpers/run-rule.js";
import rule from "./rule.js";

describe("decoder-output-mismatch", () => {
  it("blames the first decoder layer of the MNIST autoencoder and confirms output_padding 0", async () => {
    const findings = await runRules("examples/mnist-autoencoder.onnx", [rule]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      ruleId: "decoder-output-mismatch",
      severity: "error",
      node: "/dec/dec.0/ConvTranspose",
      op: "ConvTranspose",
      message: "decoder returns 32x32 but its encoder took 28x28",
      expected: ["N", 1, 28, 28],
      actual: ["N", 1, 32, 32],
      condition: null,
      trail: "28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32",
    });
    expect(f.fix).toEqual([
      { node: "/dec/dec.0/ConvTranspose", attribute: "output_padding", from: [1, 1], to: [0, 0], framework: "onnx", note: "4 -> 7 -> 14 -> 28" },
      { node: "dec.0", attribute: "output_padding", from: 1, to: 0, framework: "pytorch" },
    ]);
    expect(f.related.map((r) => [r.node, r.role])).toContainEqual(["/enc/enc.4/Conv", "encoder"]);
  });

  it("sizes fixed in the file can be rebound: the same autoencoder is right at 32x32", async () => {
    expect(await runRules("examples/mnist-autoencoder.onnx", [rule], { inputShape: { x: [1, 1, 32, 32] } })).toEqual([]);
    const at27 = await runRules("examples/mnist-autoencoder.onnx", [rule], { inputShape: { x: [1, 1, 27, 27] } });
    expect(at27.map((f) => f.message)).toEqual(["decoder returns 32x32 but its encoder took 27x27"]);
  });

  it("reports nothing for the fixed autoencoder", async () => {
    expect(await runRules("examples/mnist-autoencoder-fixed.onnx", [rule])).toEqual([]);
  });

  it("is silent for clean U-Nets whose decoders follow their skips (interpolate to skip size)", async () => {
    for (const size of [23, 32, 57]) {
      const findings = await runRules("examples/unet-interp.onnx", [rule], { inputShape: { "": [1, 1, size, size] } });
      expect(findings, `size ${size}`).toEqual([]);
    }
  });

  it("the PyTorch output_size trap (peers.md 2.4) is wrong at 24 and right at 23", async () => {
    expect(await runRules("test/fixtures/torch/trap_outsize.onnx", [rule], { inputShape: { "": [1, 1, 23, 23] } })).toEqual([]);
    const at24 = await runRules("test/fixtures/torch/trap_outsize.onnx", [rule], { inputShape: { "": [1, 1, 24, 24] } });
    expect(at24).toHaveLength(1);
    expect(at24[0]).toMatchObject({ message: "decoder returns 23x23 but its encoder took 24x24", expected: [1, 1, 24, 24], actual: [1, 1, 23, 23] });
    expect(at24[0]!.fix[0]).toMatchObject({ attribute: "output_padding", from: [1, 1], to: [2, 2], framework: "onnx" });
  });

  it("compares with --expect-output and finds the layer to change", async () => {
    const ok = await runRules("examples/mnist-autoencoder.onnx", [rule], { expectOutput: { "": [null, 1, 32, 32] } });
    expect(ok).toEqual([]);
    const findings = await runRules("examples/mnist-autoencoder.onnx", [rule], { expectOutput: { "": [null, 1, 28, 28] } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ node: "/dec/dec.0/ConvTranspose", message: "output 'y' is [N, 1, 32, 32] but [?, 1, 28, 28] is expected", expected: [null, 1, 28, 28] });
  });

  it("fixes a Resize through its sizes input and confirms it (nn.Upsample after an odd pool)", async () => {
    const findings = await runRules("test/fixtures/torch/upsample_nearest.onnx", [rule], { inputShape: { "": [1, 1, 23, 23] } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ node: "/Resize", message: "decoder returns 22x22 but its encoder took 23x23", trail: "23 -> 11 | 22" });
    expect(findings[0]!.fix).toEqual([
      { node: "/Resize", attribute: "sizes", from: null, to: [1, 2, 23, 23], framework: "onnx", note: "11 -> 23; set the sizes input instead of scales" },
      { node: "forward()", attribute: "size", from: null, to: [23, 23], framework: "pytorch", note: "F.interpolate(x, size=skip.shape[2:]) follows the skip for every input size" },
    ]);
    const model = await loadModelFile(resolve(ROOT, "test/fixtures/torch/upsample_nearest.onnx"));
    const fixed = applyFixSteps(model, findings[0]!.fix)!;
    const shapes = propagate(fixed, { inputShapes: new Map([["", [1, 1, 23, 23]]]) });
    const resize = fixed.graph.nodes.find((n) => n.name === "/Resize")!;
    expect(resize.inputs[3]).toBe("/Resize/shapelint_fix_sizes");
    expect(shapes.values.get(resize.outputs[0]!)?.shape).toEqual([1, 2, 23, 23]);
  });

  it("a VAE decoder that must produce 28x28: a larger crop (pads) on its last layer", async () => {
    const findings = await runRules("examples/vae-decoder.onnx", [rule], { expectOutput: { "": [1, 1, 28, 28] } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ node: "/dec/dec.3/ConvTranspose", message: "output 'y' is [N, 1, 32, 32] but [1, 1, 28, 28] is expected", trail: "8 -> 16 -> 32" });
    expect(findings[0]!.fix).toEqual([
      { node: "/dec/dec.3/ConvTranspose", attribute: "pads", from: [1, 1, 1, 1], to: [3, 3, 3, 3], framework: "onnx", note: "16 -> 28" },
      { node: "dec.3", attribute: "padding", from: 1, to: 3, framework: "pytorch" },
    ]);
  });

  it("a GAN generator that must produce 28x28 needs two layers changed", async () => {
    const findings = await runRules("examples/gan-generator.onnx", [rule], { expectOutput: { "": [null, 1, 28, 28] } });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.node).toBe("/main/main.3/ConvTranspose");
    expect(findings[0]!.fix.map((f) => [f.node, f.attribute, f.to])).toEqual([
      ["/main/main.3/ConvTranspose", "output_padding", [1, 1]],
      ["main.3", "output_padding", 1],
      ["/main/main.6/ConvTranspose", "output_padding", [1, 1]],
      ["main.6", "output_padding", 1],
    ]);
    // The right target for this generator is 25x25: nothing to report.
    expect(await runRules("examples/gan-generator.onnx", [rule], { expectOutput: { "": [null, 1, 25, 25] } })).toEqual([]);
  });

  it("blames the Keras decoder layer and phrases the fix as a layer argument (None vs 0)", async () => {
    const findings = await runRules("examples/keras-mnist-autoencoder.json", [rule]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ node: "dec1", op: "Conv2DTranspose", message: "decoder returns 32x32 but its encoder took 28x28", trail: "28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32" });
    expect(findings[0]!.fix).toEqual([{ node: "dec1", attribute: "output_padding", from: null, to: [0, 0], framework: "keras", note: "4 -> 7 -> 14 -> 28" }]);
    expect(findings[0]!.location.line).toBeGreaterThan(1);
  });

  it("with symbolic sizes, states when the decoder differs and the smallest failing size", async () => {
    const findings = await runRules("test/fixtures/torch/mnist_ae_dyn.onnx", [rule]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      node: "/dec/dec.0/ConvTranspose",
      message: "decoder returns 8*ceil(H/8)x8*ceil(W/8) but its encoder took HxW: they differ when H % 8 != 0 or W % 8 != 0 (smallest failing size: H=1, W=1)",
      condition: "H % 8 != 0 or W % 8 != 0",
      expected: ["N", 1, "H", "W"],
      actual: ["N", 1, "8*ceil(H/8)", "8*ceil(W/8)"],
      fix: [],
    });
    // Bound to a multiple of 8 it is right; bound to 28 it is a plain error with a fix.
    expect(await runRules("test/fixtures/torch/mnist_ae_dyn.onnx", [rule], { inputShape: { "": [1, 1, 32, 32] } })).toEqual([]);
    const at28 = await runRules("test/fixtures/torch/mnist_ae_dyn.onnx", [rule], { inputShape: { "": [1, 1, 28, 28] } });
    expect(at28.map((f) => [f.node, f.condition, f.fix[0]?.to])).toEqual([["/dec/dec.0/ConvTranspose", null, [0, 0]]]);
  });
});
