/** `shapelint verify`: text and JSON reports, exit codes, options, the progress bar. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { progressBar } from "../../src/cli/verify-command.js";
import { ROOT, cli, tempTree } from "../cli/helpers.js";
import { seqJson } from "../keras/helpers.js";

/** Run time and RSS vary from run to run. */
function stable(text: string): string {
  return text.replace(/in \d+\.\d\d s; peak RSS \d+\.\d MB/g, "in <t> s; peak RSS <rss> MB");
}

describe("shapelint verify: text", () => {
  it("mnist-autoencoder: the confirmed decoder finding and its verified fix (exit 1)", async () => {
    const r = await cli(["verify", "examples/mnist-autoencoder.onnx"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    expect(stable(r.stdout)).toBe(
      [
        "examples/mnist-autoencoder.onnx",
        "  input x [1, 1, 28, 28]; seed 1",
        "  sizes not bound: N=1 (batch)",
        "  ran 12 of 12 ops on the CPU kernel in <t> s; peak RSS <rss> MB",
        "",
        "  value  node                runtime         static                           check",
        "  y      /dec/dec.5/Sigmoid  [1, 1, 32, 32]  [1, 1, 32, 32] = [N, 1, 32, 32]  ok",
        "",
        "  error  decoder-output-mismatch  /dec/dec.0/ConvTranspose (ConvTranspose)",
        "         decoder returns 32x32 but its encoder took 28x28",
        "         run: output 'y' is [1, 1, 32, 32] at run time, not [1, 1, 28, 28]",
        "         fix: output_padding [1,1] -> [0,0] on /dec/dec.0/ConvTranspose (4 -> 7 -> 14 -> 28)",
        "              PyTorch: module dec.0, output_padding=0",
        "         fix verified: with the fix, output 'y' is [1, 1, 28, 28]",
        "",
        "13 values compared: runtime shapes equal the static ones; 1 error confirmed by the run; 1 fix verified",
        "",
      ].join("\n"),
    );
  });

  it("--all lists every value; the default lists outputs and mismatches only", async () => {
    const all = await cli(["verify", "examples/mnist-autoencoder-fixed.onnx", "--all"]);
    expect(all.code).toBe(0);
    const rows = (s: string): string[] => s.split("\n").filter((l) => / {2}(ok|MISMATCH|not run)$/.test(l));
    expect(rows(all.stdout).length).toBe(13);
    expect(rows(all.stdout)[0]).toBe("  x                                  (input)                   [1, 1, 28, 28]  [1, 1, 28, 28] = [N, 1, 28, 28]  ok");
    const brief = await cli(["verify", "examples/mnist-autoencoder-fixed.onnx"]);
    expect(rows(brief.stdout)).toEqual(["  y      /dec/dec.5/Sigmoid  [1, 1, 28, 28]  [1, 1, 28, 28] = [N, 1, 28, 28]  ok"]);
    expect(brief.stdout.trimEnd().split("\n").at(-1)).toBe("13 values compared: runtime shapes equal the static ones");
  });

  it("unet-odd at 33x33: the real Concat failure (exit 1)", async () => {
    const r = await cli(["verify", "examples/unet-odd.onnx", "--input-shape", "x=1,1,33,33"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("\n  run failed at /Concat_1 (Concat): Concat on axis 1: input 1 differs from input 0 in dim 2 (32 vs 33) (shapes [1,4,33,33] vs [1,4,32,32])\n");
    expect(r.stdout).toContain("         run: /Concat_1 (Concat): Concat on axis 1: input 1 differs from input 0 in dim 2 (32 vs 33)");
    expect(r.stdout).toContain("\n14 values compared: runtime shapes equal the static ones; 1 error confirmed by the run");
  });

  it("keras-unet-odd at 1x33x33x1 and keras-mnist-autoencoder", async () => {
    const u = await cli(["verify", "examples/keras-unet-odd.json", "--input-shape", "1,33,33,1"]);
    expect(u.code).toBe(1);
    expect(u.stdout).toContain("ops on the CPU kernel (Keras layers lowered to ONNX ops, seeded random weights)");
    expect(u.stdout).toContain("\n  run failed at skip2 (Concatenate): Concat on axis 3: input 1 differs from input 0 in dim 1 (33 vs 32) (shapes [1,32,32,4] vs [1,33,33,4])\n");
    const m = await cli(["verify", "examples/keras-mnist-autoencoder.json"]);
    expect(m.code).toBe(1);
    expect(m.stdout).toContain(
      [
        "  error  decoder-output-mismatch  dec1 (Conv2DTranspose)",
        "         decoder returns 32x32 but its encoder took 28x28",
        "         run: output 'reconstruction' is [1, 32, 32, 1] at run time, not [1, 28, 28, 1]",
        "         fix: output_padding None -> (0, 0) on dec1 (4 -> 7 -> 14 -> 28)",
        "         fix verified: with the fix, output 'reconstruction' is [1, 28, 28, 1]",
      ].join("\n"),
    );
  });

  it("open sizes are stated", async () => {
    const r = await cli(["verify", "examples/dyn8.onnx"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("\n  sizes not bound: N=1 (batch); H=64, W=64 (the first tried size where the static shapes show no failure; --input-shape chooses others)\n");
    expect(r.stdout).toContain("         run: does not hold at the run's sizes (x [1, 1, 64, 64])\n");
  });
});

interface JsonReport {
  file: string;
  format: string;
  seed: number;
  values: { name: string; node: string | null; shape: number[] | null; staticShape: (number | null)[] | null; status: string }[];
  findings: { ruleId: string; node: string; status: string; fixVerified: boolean | null; realShape: number[] | null }[];
  discrepancies: unknown[];
  peakRssBytes: number;
  exitCode: number;
}

describe("shapelint verify: JSON", () => {
  it("gan-generator with --expect-output: every value with runtime and static shape, the finding with fixVerified", async () => {
    const r = await cli(["verify", "examples/gan-generator.onnx", "--expect-output", "1,1,28,28", "--format", "json", "--seed", "7"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout) as JsonReport;
    expect(j.file).toBe("examples/gan-generator.onnx");
    expect(j.format).toBe("onnx");
    expect(j.seed).toBe(7);
    expect(j.values.length).toBe(9);
    for (const v of j.values) {
      expect(Object.keys(v)).toEqual(expect.arrayContaining(["name", "node", "shape", "staticShape"]));
      expect(v.shape).toEqual(v.staticShape);
    }
    expect(j.values.at(-1)).toMatchObject({ name: "y", node: "/main/main.7/Tanh", shape: [1, 1, 25, 25], staticShape: [1, 1, 25, 25], status: "match" });
    const f = j.findings.filter((x) => x.ruleId === "decoder-output-mismatch");
    expect(f.map((x) => [x.node, x.status, x.fixVerified, x.realShape])).toEqual([["/main/main.3/ConvTranspose", "confirmed", true, [1, 1, 25, 25]]]);
    expect(j.findings.filter((x) => x.ruleId !== "decoder-output-mismatch").every((x) => x.fixVerified === null)).toBe(true);
    expect(j.discrepancies).toEqual([]);
    expect(Number.isInteger(j.peakRssBytes) && j.peakRssBytes > 1 << 20).toBe(true);
    expect(j.exitCode).toBe(1);
  });

  it("-o writes the report to a file and nothing to stdout", async () => {
    const dir = tempTree({});
    const r = await cli(["verify", "examples/mnist-autoencoder-fixed.onnx", "-f", "json", "-o", join(dir, "out/report.json")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const j = JSON.parse(readFileSync(join(dir, "out/report.json"), "utf8")) as JsonReport;
    expect(j.exitCode).toBe(0);
    expect(j.values.every((v) => v.status === "match")).toBe(true);
  });
});

describe("shapelint verify: exit codes and bad input", () => {
  it("0 for a clean model", async () => {
    const r = await cli(["verify", "examples/mnist-autoencoder-fixed.onnx"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("2 for a truncated file: one line with its code", async () => {
    const bytes = readFileSync(join(ROOT, "examples/mnist-autoencoder.onnx"));
    const dir = tempTree({ "cut.onnx": bytes.subarray(0, Math.floor(bytes.length / 2)) });
    const r = await cli(["verify", join(dir, "cut.onnx")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n").length).toBe(2);
    expect(r.stderr).toMatch(/^shapelint: .*cut\.onnx: TRUNCATED: /);
  });

  it("2 for a Keras layer the kernel cannot run", async () => {
    const dir = tempTree({ "lstm.json": seqJson([5, 3], [["LSTM", { units: 4 }]]) });
    const r = await cli(["verify", join(dir, "lstm.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shapelint: ${join(dir, "lstm.json")}: CANNOT_RUN: cannot run layer l0 (LSTM): no CPU lowering for this layer class\n`);
  });

  it("2 for an input whose rank is unknown", async () => {
    const dir = tempTree({ "m.json": seqJson([4], [["Dense", { units: 2 }]]) });
    const path = join(dir, "m.json");
    const doc = JSON.parse(readFileSync(path, "utf8")) as { config: { layers: { config: Record<string, unknown> }[] } };
    delete doc.config.layers[0]!.config["batch_input_shape"];
    writeFileSync(path, JSON.stringify(doc));
    const r = await cli(["verify", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shapelint: ${path}: INPUT_SHAPE_REQUIRED: input 'x' has no declared shape; pass its dims with --input-shape x=d0,d1,...\n`);
    const bound = await cli(["verify", path, "--input-shape", "x=2,4"]);
    expect(bound.code).toBe(0);
  });

  it("2 for bad arguments", async () => {
    expect((await cli(["verify"])).code).toBe(2);
    expect((await cli(["verify", "examples/dyn8.onnx", "examples/unet-odd.onnx"])).stderr).toContain("usage: shapelint verify <file>");
    expect((await cli(["verify", "examples/dyn8.onnx", "--seed", "x"])).stderr).toBe("shapelint: --seed 'x': want a non-negative integer\n");
    expect((await cli(["verify", "examples/dyn8.onnx", "--format", "sarif"])).stderr).toBe("shapelint: --format 'sarif': want text or json\n");
    expect((await cli(["verify", "nothere.onnx"])).stderr).toBe("shapelint: nothere.onnx: no such file or directory\n");
    const bad = await cli(["verify", "examples/dyn8.onnx", "--input-shape", "y=1,1,8,8"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("BAD_ARGUMENT");
  });

  it("the config file's input shape and rules apply", async () => {
    const dir = tempTree({ "shapelint.config.json": JSON.stringify({ inputShape: { x: [1, 1, 33, 33] }, rules: { "merge-shape-mismatch": "off" } }) });
    const model = join(dir, "unet.onnx");
    writeFileSync(model, readFileSync(join(ROOT, "examples/unet-odd.onnx")));
    const r = await cli(["verify", model, "--format", "json"]);
    const j = JSON.parse(r.stdout) as JsonReport & { run: { failure: { node: string } | null } };
    expect(j.run.failure?.node).toBe("/Concat_1");
    expect(j.findings.some((f) => f.ruleId === "merge-shape-mismatch")).toBe(false);
    // The failure was predicted by the analysis (a contradiction at /Concat_1): exit 1, not 2.
    expect(j.discrepancies).toEqual([]);
    expect(r.code).toBe(1);
  });
});

describe("progress bar", () => {
  it("is drawn on a terminal stderr for runs past one second, then cleared", () => {
    let out = "";
    const io = { argv: [], stdout: { write: () => true }, stderr: { isTTY: true, columns: 60, write: (s: string) => (out += s) }, cwd: ROOT, env: {}, isTTY: false };
    const bar = progressBar(io)!;
    bar.update({ phase: "run", done: 3, total: 10, node: "/enc/Conv", elapsedMs: 400 });
    expect(out).toBe("");
    bar.update({ phase: "run", done: 5, total: 10, node: "/enc/Conv", elapsedMs: 1500 });
    expect(out).toBe("\r\u001b[Krun [############------------] 5/10 1.5 s /enc/Conv");
    bar.update({ phase: "run", done: 10, total: 10, node: "/outc/Conv", elapsedMs: 2500 });
    expect(out.endsWith("\r\u001b[K")).toBe(true);
  });

  it("is never drawn when stderr is not a terminal", () => {
    expect(progressBar({ argv: [], stdout: { write: () => true }, stderr: { write: () => true }, cwd: ROOT, env: {}, isTTY: true })).toBeNull();
  });
});
