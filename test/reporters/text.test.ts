import { describe, expect, it } from "vitest";
import { escapeData, escapeProperty, formatGithub, formatGithubSummary, formatStylish } from "../../src/reporters/index.js";
import { formatFixStep, formatValue } from "../../src/reporters/text-parts.js";
import { summarize } from "../../src/reporters/types.js";
import { CTX, DECODER, FILES, RESULTS } from "./fixtures.js";

describe("stylish", () => {
  it("groups per file, with message, condition, trail, related and fix lines, then a summary", () => {
    expect(formatStylish(RESULTS, CTX)).toBe(
      [
        "models/ae.onnx",
        "  info  unsupported-op  custom (MyOp)",
        "         MyOp has no shape function",
        "  error  decoder-output-mismatch  /dec/dec.0/ConvTranspose (ConvTranspose)",
        "         decoder returns 32x32 but its encoder took 28x28",
        "         shape trail: 28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32",
        "         encoder: /enc/enc.4/Conv: took in 7x7",
        "         fix: output_padding [1,1] -> [0,0] on /dec/dec.0/ConvTranspose (4 -> 7 -> 14 -> 28)",
        "              PyTorch: module dec.0, output_padding=0",
        "",
        "unet.json",
        "  warning  declared-shape-mismatch  up1 (Conv2DTranspose) line 80:7",
        "         'y' is declared [1, 1, H, W]",
        "         but computed otherwise",
        "         when: H % 3 != 2",
        "  error  merge-shape-mismatch  skip, 1 (Concatenate) line 120:7",
        "         inputs must match: 'a' is [1, 8, H, W] and 'b' is [1, 8, 2*floor(H/2), W]",
        "         when: H % 2 != 0",
        "         fix: output_padding None -> (1, 0) on up1 (100% of odd sizes)",
        "",
        "bad.onnx",
        "  error  TRUNCATED  could not analyse: truncated varint (at byte 812)",
        "",
        "4 problems (2 errors, 1 warning, 1 info), 1 file could not be analysed",
        "",
      ].join("\n"),
    );
  });

  it("colours only when asked", () => {
    expect(formatStylish(RESULTS, CTX)).not.toContain("\u001b[");
    const coloured = formatStylish(RESULTS, { ...CTX, color: true });
    expect(coloured).toContain("\u001b[31merror\u001b[39m");
    expect(coloured.replace(/\u001b\[\d+m/g, "")).toBe(formatStylish(RESULTS, CTX));
  });

  it("says so when there is nothing to report", () => {
    const clean = [FILES[3]!];
    expect(formatStylish({ files: clean, summary: summarize(clean) }, CTX)).toBe("no problems (1 file checked)\n");
  });
});

describe("fix lines", () => {
  it("write values the way the framework does", () => {
    expect(formatValue([1, 1], false)).toBe("[1,1]");
    expect(formatValue(null, false)).toBe("unset");
    expect(formatValue([1, 1], true)).toBe("(1, 1)");
    expect(formatValue([3], true)).toBe("(3,)");
    expect(formatValue(null, true)).toBe("None");
    expect(formatValue(true, true)).toBe("True");
    expect(formatValue("same", true)).toBe("'same'");
  });

  it("name the module or layer in other frameworks' terms", () => {
    expect(formatFixStep(DECODER.fix[0]!, "onnx")).toBe("output_padding [1,1] -> [0,0] on /dec/dec.0/ConvTranspose (4 -> 7 -> 14 -> 28)");
    expect(formatFixStep(DECODER.fix[1]!, "onnx")).toBe("PyTorch: module dec.0, output_padding=0");
    expect(formatFixStep({ node: "dec1", attribute: "output_padding", from: null, to: [0, 0], framework: "keras" }, "onnx")).toBe("Keras: layer dec1, output_padding=(0, 0)");
    expect(formatFixStep({ node: "dec1", attribute: "output_padding", from: null, to: [0, 0], framework: "keras" }, "keras")).toBe("output_padding None -> (0, 0) on dec1");
  });
});

describe("github", () => {
  it("escapes data (%, CR, LF) and properties (also : and ,) as actions/toolkit does", () => {
    expect(escapeData("100% done\r\nnext: a, b")).toBe("100%25 done%0D%0Anext: a, b");
    expect(escapeProperty("100% done\r\nnext: a, b")).toBe("100%25 done%0D%0Anext%3A a%2C b");
  });

  it("writes one workflow command per finding and per unreadable file", () => {
    expect(formatGithub(RESULTS, CTX).split("\n")).toEqual([
      "::notice file=models/ae.onnx,title=unsupported-op custom::MyOp has no shape function",
      "::error file=models/ae.onnx,title=decoder-output-mismatch /dec/dec.0/ConvTranspose::decoder returns 32x32 but its encoder took 28x28%0Ashape trail: 28 -> 14 -> 7 -> 4 | 8 -> 16 -> 32%0Aencoder: /enc/enc.4/Conv: took in 7x7%0Afix: output_padding [1,1] -> [0,0] on /dec/dec.0/ConvTranspose (4 -> 7 -> 14 -> 28)%0A  PyTorch: module dec.0, output_padding=0",
      "::warning file=unet.json,line=80,col=7,title=declared-shape-mismatch up1::'y' is declared [1, 1, H, W]%0Abut computed otherwise%0Awhen: H %25 3 != 2",
      "::error file=unet.json,line=120,col=7,title=merge-shape-mismatch skip%2C 1::inputs must match: 'a' is [1, 8, H, W] and 'b' is [1, 8, 2*floor(H/2), W]%0Awhen: H %25 2 != 0%0Afix: output_padding None -> (1, 0) on up1 (100%25 of odd sizes)",
      "::error file=bad.onnx,title=shapelint TRUNCATED::could not analyse: truncated varint (at byte 812)",
      "",
    ]);
  });

  it("makes paths relative to the working folder", () => {
    const abs = { files: [{ ...FILES[0]!, file: "/repo/models/ae.onnx" }], summary: RESULTS.summary };
    expect(formatGithub(abs, CTX).split("\n")[0]).toBe("::notice file=models/ae.onnx,title=unsupported-op custom::MyOp has no shape function");
  });

  it("writes a step summary table with every finding", () => {
    expect(formatGithubSummary(RESULTS, CTX)).toBe(
      [
        "### shapelint: 2 errors, 1 warning, 1 info",
        "",
        "| severity | rule | file | node | message |",
        "| --- | --- | --- | --- | --- |",
        "| info | unsupported-op | models/ae.onnx | custom | MyOp has no shape function |",
        "| error | decoder-output-mismatch | models/ae.onnx | /dec/dec.0/ConvTranspose | decoder returns 32x32 but its encoder took 28x28 |",
        "| warning | declared-shape-mismatch | unet.json | up1 | 'y' is declared [1, 1, H, W]<br>but computed otherwise |",
        "| error | merge-shape-mismatch | unet.json | skip, 1 | inputs must match: 'a' is [1, 8, H, W] and 'b' is [1, 8, 2*floor(H/2), W] |",
        "| error | TRUNCATED | bad.onnx |  | truncated varint (at byte 812) |",
        "",
        "",
      ].join("\n"),
    );
  });
});
