import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, parseNamedShape, parseSeverity, parseShapeText, resolveConfig } from "../../src/lint/config.js";
import { globToRegExp, matchesGlob } from "../../src/lint/glob.js";

const KNOWN = new Set(["merge-shape-mismatch", "unsupported-op", "declared-shape-mismatch"]);

function configError(text: string): ConfigError {
  try {
    parseConfig(text, "shapelint.config.json", KNOWN);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("shape arguments", () => {
  it("parses [name=]d0,d1,... with integers, names and ?", () => {
    expect(parseNamedShape("x=1,3,H,W")).toEqual({ name: "x", shape: [1, 3, "H", "W"] });
    expect(parseNamedShape("1, 3, 224, 224")).toEqual({ name: "", shape: [1, 3, 224, 224] });
    expect(parseNamedShape("input.1=1,?,H")).toEqual({ name: "input.1", shape: [1, null, "H"] });
    expect(parseNamedShape("a=b=1,2")).toEqual({ name: "a=b", shape: [1, 2] });
  });

  it("rejects what is neither", () => {
    expect(parseNamedShape("x=1,,2")).toBeNull();
    expect(parseNamedShape("x=1,-2")).toBeNull();
    expect(parseNamedShape("=1,2")).toBeNull();
    expect(parseShapeText("1.5")).toBeNull();
  });

  it("reads severities, with ESLint's 'warn'", () => {
    expect(["off", "info", "warning", "error", "warn", "bad"].map(parseSeverity)).toEqual(["off", "info", "warning", "error", "warning", null]);
  });
});

describe("parseConfig", () => {
  const text = `{
    // JSONC: comments and trailing commas
    "rules": { "unsupported-op": "off", },
    "inputShape": { "x": [1, 3, "H", "W"] },
    "overrides": [
      { "files": ["gen/*.onnx"], "expectOutput": [1, 1, 28, 28], "rules": { "unsupported-op": "warn" } },
      { "files": ["**/big/**"], "inputShape": { "x": "1,3,512,512" } },
    ],
  }`;
  const config = parseConfig(text, "shapelint.config.json", KNOWN);

  it("reads rules, shapes and overrides", () => {
    expect(config.rules).toEqual(new Map([["unsupported-op", "off"]]));
    expect(config.inputShape).toEqual(new Map([["x", [1, 3, "H", "W"]]]));
    expect(config.overrides.map((o) => o.files)).toEqual([["gen/*.onnx"], ["**/big/**"]]);
    expect(config.overrides[0]!.expectOutput).toEqual(new Map([["", [1, 1, 28, 28]]]));
  });

  it("resolves per file, later overrides winning", () => {
    expect(resolveConfig(config, "gen/g.onnx")).toEqual({
      rules: new Map([["unsupported-op", "warning"]]),
      inputShape: new Map([["x", [1, 3, "H", "W"]]]),
      expectOutput: new Map([["", [1, 1, 28, 28]]]),
    });
    expect(resolveConfig(config, "models/big/u.onnx").inputShape).toEqual(new Map([["x", [1, 3, 512, 512]]]));
    expect(resolveConfig(config, "other.onnx").rules).toEqual(new Map([["unsupported-op", "off"]]));
    expect(resolveConfig(null, "x.onnx")).toEqual({ rules: new Map(), inputShape: new Map(), expectOutput: new Map() });
  });

  it("reports problems with their line and column", () => {
    expect(configError('{\n  "rules": { "no-such-rule": "off" }\n}').describe()).toBe("shapelint.config.json:2:14: unknown rule 'no-such-rule' in rules");
    expect(configError('{ "rules": { "unsupported-op": "loud" } }').describe()).toBe(
      'shapelint.config.json:1:32: severity of \'unsupported-op\' must be "off", "info", "warning" or "error"',
    );
    expect(configError('{ "rule": {} }').message).toBe("unknown key 'rule' in the config (allowed: rules, inputShape, expectOutput, overrides, $schema)");
    expect(configError('{ "overrides": [ { "rules": {} } ] }').message).toBe('overrides[0] needs "files": ["glob", ...]');
    expect(configError('{ "inputShape": { "x": [1, -3] } }').message).toBe("inputShape.x: a dim must be a non-negative integer, a name or null, got -3");
    expect(configError('{ "rules": ').message).toBe("invalid JSON: ValueExpected");
    expect(configError("").message).toBe("the file is empty");
  });
});

describe("globs", () => {
  it("matches *, **, ?, [..] and {a,b}", () => {
    expect(matchesGlob("gen/g.onnx", "gen/*.onnx")).toBe(true);
    expect(matchesGlob("gen/sub/g.onnx", "gen/*.onnx")).toBe(false);
    expect(matchesGlob("gen/sub/g.onnx", "gen/**/*.onnx")).toBe(true);
    expect(matchesGlob("gen/g.onnx", "gen/**/*.onnx")).toBe(true);
    expect(matchesGlob("a/b/c.keras", "**/*.{keras,h5}")).toBe(true);
    expect(matchesGlob("m1.onnx", "m?.onnx")).toBe(true);
    expect(matchesGlob("m12.onnx", "m[0-9].onnx")).toBe(false);
    expect(matchesGlob("mx.onnx", "m[!0-9].onnx")).toBe(true);
    expect(matchesGlob("deep/dir/model.onnx", "model.onnx")).toBe(true);
    expect(matchesGlob("./x/y.json", "x/*.json")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });
});
