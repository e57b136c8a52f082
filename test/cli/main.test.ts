import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, cli, tempTree } from "./helpers.js";

const UNET = "examples/unet-odd.onnx";
const CLEAN = "examples/mnist-autoencoder-fixed.onnx";
const ANSI = /\u001b\[\d+m/;

interface JsonReport {
  files: { file: string; format: string | null; error: { code: string; message: string } | null; findings: { ruleId: string; severity: string; node: string; message: string; condition: string | null }[] }[];
  summary: { errors: number; warnings: number; infos: number };
}

describe("exit codes", () => {
  it("0 when there are no errors (infos and warnings do not fail)", async () => {
    const r = await cli([CLEAN]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("1 when a rule reports an error", async () => {
    const r = await cli([UNET, "--input-shape", "x=1,1,33,33"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      [
        "  error  merge-shape-mismatch  /Concat_1 (Concat)",
        "         inputs must match except on the concatenation axis 1, but '/inc/inc.1/Relu_output_0' is [1, 4, 33, 33] and '/up2/ConvTranspose_output_0' is [1, 4, 32, 32] (axis 2 and 3)",
        "         input 0: /inc/inc.0/Conv: Conv makes [1, 4, 33, 33] (through /inc/inc.1/Relu)",
        "         input 1: /up2/ConvTranspose: ConvTranspose makes [1, 4, 32, 32]",
      ].join("\n"),
    );
    expect(r.stderr).toBe("");
  });

  it("1 when warnings exceed --max-warnings, 0 within it", async () => {
    const args = [UNET, "--input-shape", "x=1,1,33,33", "--rule", "merge-shape-mismatch=warning", "--rule", "transpose-output-ambiguous=off"];
    expect((await cli(args)).code).toBe(0);
    expect((await cli([...args, "--max-warnings", "1"])).code).toBe(0);
    const over = await cli([...args, "--max-warnings", "0"]);
    expect(over.code).toBe(1);
    expect(over.stderr).toBe("shapelint: 1 warning, more than --max-warnings 0\n");
  });

  it("2 when a file cannot be analysed, without stopping the others", async () => {
    const dir = tempTree({ "bad.onnx": Uint8Array.from([0x08, 0x07, 0x12, 0x05, 0x61, 0x62]) });
    const r = await cli([join(dir, "bad.onnx"), UNET, "nothere.onnx", "--input-shape", "x=1,1,33,33", "--format", "json"]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.files.map((f) => [f.file.replace(dir, "<tmp>"), f.error?.code ?? null, f.findings.filter((x) => x.ruleId === "merge-shape-mismatch").length])).toEqual([
      ["<tmp>/bad.onnx", "TRUNCATED", 0],
      [UNET, null, 1],
      ["nothere.onnx", "IO_ERROR", 0],
    ]);
    expect(report.files[2]!.error).toEqual({ code: "IO_ERROR", message: "no such file or directory" });
    const lines = r.stderr.replaceAll(dir, "<tmp>").trimEnd().split("\n");
    expect(lines).toEqual([
      "shapelint: <tmp>/bad.onnx: TRUNCATED: ModelProto.producer_name (5 bytes) needs bytes up to 9 but the file ends at byte 6 (truncated file?) (at byte 2)",
      "shapelint: nothere.onnx: IO_ERROR: no such file or directory",
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("2 for an input binding the model refuses, reported as that file's error", async () => {
    const r = await cli([UNET, "--input-shape", "nope=1,1,8,8", "--format", "json"]);
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as JsonReport).files[0]!.error).toEqual({
      code: "BAD_ARGUMENT",
      message: "--input-shape names 'nope', which is not a graph input (inputs: x)",
    });
  });

  it("2 for an expected output the model does not have, or of another rank", async () => {
    const wrongName = await cli([UNET, "--expect-output", "nope=1,1,8,8", "--format", "json"]);
    expect(wrongName.code).toBe(2);
    expect((JSON.parse(wrongName.stdout) as JsonReport).files[0]!.error).toEqual({
      code: "BAD_ARGUMENT",
      message: "--expect-output names 'nope', which is not a graph output (outputs: y)",
    });
    const wrongRank = await cli([UNET, "--expect-output", "1,8,8", "--format", "json"]);
    expect((JSON.parse(wrongRank.stdout) as JsonReport).files[0]!.error).toEqual({
      code: "BAD_ARGUMENT",
      message: "--expect-output for 'y' has 3 dims but the output has rank 4",
    });
  });

  it.each([
    [["--format", "xml", CLEAN], "shapelint: --format 'xml': want one of stylish, json, sarif, github\n"],
    [["--max-warnings", "many", CLEAN], "shapelint: --max-warnings 'many': want a non-negative integer\n"],
    [["--rule", "no-such-rule=off", CLEAN], "shapelint: --rule 'no-such-rule=off': unknown rule 'no-such-rule' (see 'shapelint rules')\n"],
    [["--rule", "unsupported-op=loud", CLEAN], "shapelint: --rule 'unsupported-op=loud': want id=off|info|warning|error\n"],
    [["--input-shape", "x=1,,3", CLEAN], "shapelint: --input-shape 'x=1,,3': want [name=]d0,d1,... with integers or names (e.g. x=1,3,H,W)\n"],
    [["lint"], "shapelint: no files given (usage: shapelint [lint] <files|dirs|globs...>)\n"],
  ])("2 for bad arguments: %j", async (argv, stderr) => {
    const r = await cli(argv);
    expect(r).toEqual({ code: 2, stdout: "", stderr });
  });

  it("2 for an unknown option, with a pointer to --help", async () => {
    const r = await cli(["--frobnicate", CLEAN]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^shapelint: Unknown option '--frobnicate'.*\n\(see 'shapelint --help'\)\n$/s);
  });

  it("2 and the usage text when called without arguments", async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage:");
  });

  it("0 for --help and --version", async () => {
    expect((await cli(["--help"])).stdout).toContain("Exit codes: 0 no errors");
    const v = await cli(["--version"]);
    expect(v).toEqual({ code: 0, stdout: `${(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version}\n`, stderr: "" });
  });
});

describe("colour", () => {
  const args = [UNET, "--input-shape", "x=1,1,33,33"];
  it("is on for a terminal", async () => {
    expect((await cli(args, { isTTY: true })).stdout).toMatch(ANSI);
  });
  it("is off with NO_COLOR, --no-color, when piped, and for machine formats", async () => {
    expect((await cli(args, { isTTY: true, env: { NO_COLOR: "1" } })).stdout).not.toMatch(ANSI);
    expect((await cli([...args, "--no-color"], { isTTY: true })).stdout).not.toMatch(ANSI);
    expect((await cli(args, { isTTY: false })).stdout).not.toMatch(ANSI);
    for (const format of ["json", "sarif", "github"]) expect((await cli([...args, "--format", format], { isTTY: true })).stdout).not.toMatch(ANSI);
  });
  it("can be forced with --color", async () => {
    expect((await cli([...args, "--color"], { isTTY: false })).stdout).toMatch(ANSI);
  });
});

describe("formats", () => {
  const args = [UNET, "examples/resnet-odd.onnx", "--input-shape", "x=1,1,33,33", "--quiet"];

  it("json: the report of every file, errors only with --quiet", async () => {
    const r = await cli([...args, "--format", "json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.summary).toEqual({ errors: 1, warnings: 0, infos: 0 });
    expect(report.files.map((f) => [f.file, f.format, f.error, f.findings.map((x) => `${x.severity} ${x.ruleId} ${x.node}`)])).toEqual([
      [UNET, "onnx", null, ["error merge-shape-mismatch /Concat_1"]],
      ["examples/resnet-odd.onnx", "onnx", null, []],
    ]);
  });

  it("sarif: a 2.1.0 log with every rule and the README as help", async () => {
    const r = await cli([...args, "--format", "sarif"]);
    const log = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { rules: { id: string; help: { markdown: string } }[] } }; results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(log.version).toBe("2.1.0");
    const rules = log.runs[0]!.tool.driver.rules;
    expect(rules.map((x) => x.id)).toContain("merge-shape-mismatch");
    expect(rules.find((x) => x.id === "merge-shape-mismatch")!.help.markdown).toBe(readFileSync(join(ROOT, "rules/merge-shape-mismatch/README.md"), "utf8"));
    expect(log.runs[0]!.results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.artifactLocation.uri])).toEqual([["merge-shape-mismatch", UNET]]);
  });

  it("github: workflow commands, and the step summary when GITHUB_STEP_SUMMARY is set", async () => {
    const dir = tempTree({});
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "before\n");
    const r = await cli([...args, "--format", "github"], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.stdout.split("\n")[0]).toMatch(/^::error file=examples\/unet-odd\.onnx,title=merge-shape-mismatch \/Concat_1::inputs must match except on the concatenation axis 1/);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
    const md = readFileSync(summary, "utf8");
    expect(md.startsWith("before\n### shapelint: 1 error, 0 warnings, 0 infos\n")).toBe(true);
  });

  it("-o writes the report to a file and nothing to stdout", async () => {
    const dir = tempTree({});
    const out = join(dir, "reports", "out.sarif");
    const r = await cli([...args, "--format", "sarif", "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect((JSON.parse(readFileSync(out, "utf8")) as { version: string }).version).toBe("2.1.0");
  });
});

describe("targets", () => {
  it("walks folders for model files, skipping package.json and other non-model JSON", async () => {
    const keras = readFileSync(join(ROOT, "examples/keras-conv-autoencoder.json"));
    const onnx = readFileSync(join(ROOT, CLEAN));
    const dir = tempTree({
      "package.json": '{"name": "x", "version": "1.0.0"}',
      "data.json": '{"values": [1, 2, 3]}',
      "models/ae.json": keras,
      "models/ae.onnx": onnx,
      "node_modules/dep/m.onnx": onnx,
      ".hidden/m.onnx": onnx,
      "notes.txt": "hi",
    });
    const r = await cli([".", "--format", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as JsonReport).files.map((f) => f.file)).toEqual(["models/ae.json", "models/ae.onnx"]);
    const named = await cli(["models", "--format", "json"], { cwd: dir });
    expect((JSON.parse(named.stdout) as JsonReport).files.map((f) => f.file)).toEqual(["models/ae.json", "models/ae.onnx"]);
  });

  it("expands quoted globs", async () => {
    const r = await cli(["examples/keras-*.json", "--format", "json"]);
    expect((JSON.parse(r.stdout) as JsonReport).files.map((f) => f.file)).toEqual([
      "examples/keras-conv-autoencoder.json",
      "examples/keras-mnist-autoencoder.json",
      "examples/keras-unet-odd.json",
    ]);
  });

  it("reports a folder without models and a glob without matches", async () => {
    const dir = tempTree({ "empty/readme.txt": "x" });
    const r = await cli(["empty", "none/*.onnx", "--format", "json"], { cwd: dir });
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as JsonReport).files.map((f) => [f.file, f.error?.message])).toEqual([
      ["empty", "no model files (.onnx, .keras, .h5, model .json) in this folder"],
      ["none/*.onnx", "no model files match this pattern"],
    ]);
  });
});

describe("config", () => {
  const onnx = readFileSync(join(ROOT, UNET));

  it("applies shapelint.config.json found upward from each model, with overrides", async () => {
    const dir = tempTree({
      "shapelint.config.json": JSON.stringify({
        rules: { "transpose-output-ambiguous": "off", "input-size-constraint": "off" },
        overrides: [{ files: ["odd/*.onnx"], inputShape: { x: [1, 1, 33, 33] } }],
      }),
      "odd/u.onnx": onnx,
      "sym/u.onnx": onnx,
    });
    const r = await cli([".", "--format", "json"], { cwd: dir });
    const report = JSON.parse(r.stdout) as JsonReport;
    // Bound to 33x33 by the override: one plain mismatch. Unbound: both skips, each with the
    // sizes for which it fails.
    expect(report.files.map((f) => [f.file, f.findings.map((x) => [x.ruleId, x.condition])])).toEqual([
      ["odd/u.onnx", [["merge-shape-mismatch", null]]],
      [
        "sym/u.onnx",
        [
          ["merge-shape-mismatch", "H % 4 in {2, 3} or W % 4 in {2, 3}"],
          ["merge-shape-mismatch", "H % 2 == 1 or W % 2 == 1"],
        ],
      ],
    ]);
    expect(r.code).toBe(1);
    // The command line wins over the config.
    const off = await cli([".", "--format", "json", "--rule", "merge-shape-mismatch=off"], { cwd: dir });
    expect(off.code).toBe(0);
  });

  it("uses --config instead of the lookup", async () => {
    const dir = tempTree({
      "shapelint.config.json": '{ "rules": { "merge-shape-mismatch": "off" } }',
      "ci/strict.json": '{ "inputShape": { "x": [1, 1, 33, 33] }, "rules": { "transpose-output-ambiguous": "off", "input-size-constraint": "off" } }',
      "u.onnx": onnx,
    });
    expect((await cli(["u.onnx"], { cwd: dir })).code).toBe(0);
    const r = await cli(["u.onnx", "--config", "ci/strict.json", "--format", "json"], { cwd: dir });
    expect(r.code).toBe(1);
  });

  it("2 for a broken config, with its line and column", async () => {
    const dir = tempTree({ "shapelint.config.json": '{\n  "rules": { "merge-shape-mismatch": "loud" }\n}', "u.onnx": onnx });
    const r = await cli(["u.onnx"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`shapelint: config error: ${join(dir, "shapelint.config.json")}:2:38: severity of 'merge-shape-mismatch' must be "off", "info", "warning" or "error"\n`);
  });
});

describe("shapes", () => {
  it("prints every value's shape as a table, with formulas for symbolic sizes", async () => {
    const r = await cli(["shapes", UNET]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^value\s+op\s+node\s+dtype\s+shape$/);
    expect(lines[1]).toMatch(/^x\s+\(input\)\s+float32\s+\[N, 1, H, W\]$/);
    expect(lines.find((l) => l.startsWith("/up1/ConvTranspose_output_0"))).toMatch(/ConvTranspose\s+\/up1\/ConvTranspose\s+float32\s+\[N, 8, 2\*floor\(H\/4\), 2\*floor\(W\/4\)\]$/);
  });

  it("prints JSON with --format json, bound with --input-shape", async () => {
    const r = await cli(["shapes", UNET, "--input-shape", "x=1,1,32,W", "--format", "json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { file: string; values: { name: string; node: string | null; op: string | null; dtype: string | null; shape: (number | string | null)[] | null }[] };
    expect(out.file).toBe(UNET);
    expect(out.values[0]).toEqual({ name: "x", node: null, op: null, dtype: "float32", shape: [1, 1, 32, "W"] });
    expect(out.values.find((v) => v.name === "/up1/ConvTranspose_output_0")).toEqual({
      name: "/up1/ConvTranspose_output_0",
      node: "/up1/ConvTranspose",
      op: "ConvTranspose",
      dtype: "float32",
      shape: [1, 8, 16, "2*floor(W/4)"],
    });
  });

  it("2 for a file it cannot read, and for a wrong number of files", async () => {
    expect(await cli(["shapes", "nothere.onnx"])).toEqual({ code: 2, stdout: "", stderr: "shapelint: nothere.onnx: no such file or directory\n" });
    expect((await cli(["shapes", UNET, CLEAN])).code).toBe(2);
  });
});

describe("rules", () => {
  it("lists every rule with its severity, description and docs link", async () => {
    const r = await cli(["rules"]);
    expect(r.code).toBe(0);
    for (const id of ["merge-shape-mismatch", "conv-channel-mismatch", "unsupported-op", "decoder-output-mismatch"]) expect(r.stdout).toContain(id);
    expect(r.stdout).toMatch(/^merge-shape-mismatch\s+error\s+A Concat, Add or other merge receives inputs whose shapes disagree/m);
    expect(r.stdout).toContain("https://github.com/shapelint/shapelint/blob/main/rules/merge-shape-mismatch/README.md");
  });

  it("prints one rule's README, or its metadata as JSON", async () => {
    expect((await cli(["rules", "unsupported-op"])).stdout).toBe(readFileSync(join(ROOT, "rules/unsupported-op/README.md"), "utf8"));
    const json = JSON.parse((await cli(["rules", "unsupported-op", "--format", "json"])).stdout) as { id: string; defaultSeverity: string }[];
    expect(json.map((x) => [x.id, x.defaultSeverity])).toEqual([["unsupported-op", "info"]]);
    expect((await cli(["rules", "nope"])).code).toBe(2);
  });
});

describe("verify", () => {
  it.skipIf(existsSync(join(ROOT, "src/cli/verify-command.ts")))("says it is not available while verify-command.ts is absent", async () => {
    expect(await cli(["verify", CLEAN])).toEqual({ code: 2, stdout: "", stderr: "shapelint: 'verify' is not available in this build\n" });
  });
});

describe("--skip-non-models", () => {
  it("skips named files that are not models, as pre-commit passes every .json", async () => {
    const dir = tempTree({ "package.json": '{"name": "x"}', "m.onnx": readFileSync(join(ROOT, CLEAN)) });
    const plain = await cli(["package.json", "m.onnx", "--format", "json"], { cwd: dir });
    expect(plain.code).toBe(2);
    const skipped = await cli(["package.json", "m.onnx", "--format", "json", "--skip-non-models"], { cwd: dir });
    expect(skipped.code).toBe(0);
    expect((JSON.parse(skipped.stdout) as JsonReport).files.map((f) => f.file)).toEqual(["m.onnx"]);
    expect((await cli(["package.json", "--skip-non-models"], { cwd: dir })).code).toBe(0);
  });
});
