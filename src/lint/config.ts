/**
 * `shapelint.config.json`: rule severities, input shapes and expected output shapes, with
 * per-file overrides. This module parses and resolves; finding the file on disk (upward from
 * each model file, or `--config`) is the CLI's job, so the core stays free of `node:fs`.
 *
 * ```jsonc
 * {
 *   "rules": { "unsupported-op": "off" },
 *   "overrides": [
 *     { "files": ["models/gen*.onnx"], "inputShape": { "z": [1, 100] },
 *       "expectOutput": { "": [1, 1, 28, 28] }, "rules": { "declared-shape-mismatch": "error" } }
 *   ]
 * }
 * ```
 * Comments and trailing commas are allowed (JSONC). Unknown keys, unknown rule ids and bad
 * severities are errors, reported with their line and column.
 */
import { type ParseError, type Node as JsonNode, getNodeValue, parseTree, printParseErrorCode } from "jsonc-parser";
import type { SeveritySetting } from "./finding.js";
import { matchesGlob } from "./glob.js";
import type { ShapeSpec } from "./run-rules.js";

/** Name of the config file looked up from each model file's folder upward. */
export const CONFIG_FILE_NAME = "shapelint.config.json";

/** Shapes by input or output name; `""` is the first input / output. */
export type NamedShapes = ReadonlyMap<string, ShapeSpec>;

/** One block of settings (the top level or an override). */
export interface ConfigBlock {
  readonly rules: ReadonlyMap<string, SeveritySetting>;
  readonly inputShape: NamedShapes;
  readonly expectOutput: NamedShapes;
}

/** An override: a block that applies to the files matching any of `files`. */
export interface ConfigOverride extends ConfigBlock {
  readonly files: readonly string[];
}

/** A parsed config file. */
export interface Config extends ConfigBlock {
  /** Path of the file, as given. */
  readonly path: string;
  readonly overrides: readonly ConfigOverride[];
}

/** The settings that apply to one model file. */
export interface ResolvedConfig {
  readonly rules: ReadonlyMap<string, SeveritySetting>;
  readonly inputShape: NamedShapes;
  readonly expectOutput: NamedShapes;
}

/** A config file that cannot be used. The CLI exits with 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(file: string, message: string, line?: number, column?: number) {
    super(message);
    this.file = file;
    this.line = line;
    this.column = column;
  }

  /** `shapelint.config.json:3:12: unknown rule 'foo'`. */
  describe(): string {
    const where = this.line !== undefined ? `:${this.line}${this.column !== undefined ? `:${this.column}` : ""}` : "";
    return `${this.file}${where}: ${this.message}`;
  }
}

/** The severity settings accepted in config files and `--rule` (`warn` is ESLint's spelling). */
export function parseSeverity(s: unknown): SeveritySetting | null {
  if (s === "off" || s === "info" || s === "warning" || s === "error") return s;
  if (s === "warn") return "warning";
  return null;
}

/**
 * Parse a shape written as text: `1,3,H,W` (ints or names; `?` keeps the file's dim).
 * Returns `null` when a dim is neither.
 */
export function parseShapeText(text: string): ShapeSpec | null {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === "")) return null;
  const out: (number | string | null)[] = [];
  for (const p of parts) {
    if (p === "?") out.push(null);
    else if (/^\d+$/.test(p)) out.push(Number(p));
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) out.push(p);
    else return null;
  }
  return out;
}

/**
 * Parse `[name=]d0,d1,...` (the `--input-shape` / `--expect-output` syntax). The name is
 * everything before the last `=`; without one it is `""` (the first input or output).
 */
export function parseNamedShape(arg: string): { name: string; shape: ShapeSpec } | null {
  const eq = arg.lastIndexOf("=");
  const name = eq >= 0 ? arg.slice(0, eq) : "";
  const shape = parseShapeText(eq >= 0 ? arg.slice(eq + 1) : arg);
  if (shape === null || (eq >= 0 && name === "")) return null;
  return { name, shape };
}

interface Ctx {
  readonly file: string;
  readonly text: string;
  readonly knownRules: ReadonlySet<string>;
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

function fail(ctx: Ctx, node: JsonNode | undefined, message: string): never {
  if (!node) throw new ConfigError(ctx.file, message);
  const { line, column } = lineCol(ctx.text, node.offset);
  throw new ConfigError(ctx.file, message, line, column);
}

function props(ctx: Ctx, node: JsonNode, where: string, allowed: readonly string[]): Map<string, JsonNode> {
  if (node.type !== "object") fail(ctx, node, `${where} must be an object`);
  const out = new Map<string, JsonNode>();
  for (const p of node.children ?? []) {
    const key = p.children?.[0];
    const value = p.children?.[1];
    if (!key || !value) continue;
    const name = String(key.value);
    if (!allowed.includes(name)) fail(ctx, key, `unknown key '${name}' in ${where} (allowed: ${allowed.join(", ")})`);
    out.set(name, value);
  }
  return out;
}

function parseRules(ctx: Ctx, node: JsonNode | undefined, where: string): Map<string, SeveritySetting> {
  const out = new Map<string, SeveritySetting>();
  if (!node) return out;
  if (node.type !== "object") fail(ctx, node, `${where} must be an object of rule id -> "off" | "info" | "warning" | "error"`);
  for (const p of node.children ?? []) {
    const key = p.children?.[0];
    const value = p.children?.[1];
    if (!key || !value) continue;
    const id = String(key.value);
    if (!ctx.knownRules.has(id)) fail(ctx, key, `unknown rule '${id}' in ${where}`);
    const sev = parseSeverity(getNodeValue(value));
    if (sev === null) fail(ctx, value, `severity of '${id}' must be "off", "info", "warning" or "error"`);
    out.set(id, sev);
  }
  return out;
}

function parseShapeValue(ctx: Ctx, node: JsonNode, where: string): ShapeSpec {
  if (node.type === "string") {
    const s = parseShapeText(String(node.value));
    if (s === null) fail(ctx, node, `${where}: cannot read shape '${String(node.value)}' (want e.g. "1,3,H,W")`);
    return s;
  }
  if (node.type !== "array") fail(ctx, node, `${where} must be an array of dims (integers, names, or null)`);
  const out: (number | string | null)[] = [];
  for (const d of node.children ?? []) {
    const v: unknown = getNodeValue(d);
    if (v === null) out.push(null);
    else if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) out.push(v);
    else if (typeof v === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) out.push(v);
    else fail(ctx, d, `${where}: a dim must be a non-negative integer, a name or null, got ${JSON.stringify(v)}`);
  }
  return out;
}

function parseNamedShapes(ctx: Ctx, node: JsonNode | undefined, where: string): Map<string, ShapeSpec> {
  const out = new Map<string, ShapeSpec>();
  if (!node) return out;
  // A bare shape applies to the first input / output.
  if (node.type === "array" || node.type === "string") {
    out.set("", parseShapeValue(ctx, node, where));
    return out;
  }
  if (node.type !== "object") fail(ctx, node, `${where} must be a shape or an object of name -> shape`);
  for (const p of node.children ?? []) {
    const key = p.children?.[0];
    const value = p.children?.[1];
    if (!key || !value) continue;
    out.set(String(key.value), parseShapeValue(ctx, value, `${where}.${String(key.value)}`));
  }
  return out;
}

const BLOCK_KEYS = ["rules", "inputShape", "expectOutput"] as const;

/**
 * Parse a config file's text. `knownRules` are the rule ids that may be configured.
 * Throws {@link ConfigError} with a line and column for anything it cannot use.
 */
export function parseConfig(text: string, file: string, knownRules: ReadonlySet<string>): Config {
  const ctx: Ctx = { file, text, knownRules };
  if (text.trim() === "") throw new ConfigError(file, "the file is empty");
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const { line, column } = lineCol(text, first.offset);
    throw new ConfigError(file, `invalid JSON: ${printParseErrorCode(first.error)}`, line, column);
  }
  if (!root) throw new ConfigError(file, "the file is empty");
  const top = props(ctx, root, "the config", [...BLOCK_KEYS, "overrides", "$schema"]);
  const overrides: ConfigOverride[] = [];
  const ov = top.get("overrides");
  if (ov) {
    if (ov.type !== "array") fail(ctx, ov, "overrides must be an array");
    (ov.children ?? []).forEach((o, k) => {
      const where = `overrides[${k}]`;
      const p = props(ctx, o, where, ["files", ...BLOCK_KEYS]);
      const filesNode = p.get("files");
      if (!filesNode) fail(ctx, o, `${where} needs "files": ["glob", ...]`);
      const files: unknown = getNodeValue(filesNode);
      const list = typeof files === "string" ? [files] : files;
      if (!Array.isArray(list) || list.length === 0 || !list.every((g): g is string => typeof g === "string" && g !== "")) {
        fail(ctx, filesNode, `${where}.files must be a non-empty array of globs`);
      }
      overrides.push({
        files: list,
        rules: parseRules(ctx, p.get("rules"), `${where}.rules`),
        inputShape: parseNamedShapes(ctx, p.get("inputShape"), `${where}.inputShape`),
        expectOutput: parseNamedShapes(ctx, p.get("expectOutput"), `${where}.expectOutput`),
      });
    });
  }
  return {
    path: file,
    rules: parseRules(ctx, top.get("rules"), "rules"),
    inputShape: parseNamedShapes(ctx, top.get("inputShape"), "inputShape"),
    expectOutput: parseNamedShapes(ctx, top.get("expectOutput"), "expectOutput"),
    overrides,
  };
}

/**
 * The settings for one model file: the top level, then every override whose `files` match
 * `relPath` (the model's path relative to the config's folder, `/`-separated), later ones winning.
 */
export function resolveConfig(config: Config | null, relPath: string): ResolvedConfig {
  const rules = new Map<string, SeveritySetting>();
  const inputShape = new Map<string, ShapeSpec>();
  const expectOutput = new Map<string, ShapeSpec>();
  if (!config) return { rules, inputShape, expectOutput };
  const apply = (b: ConfigBlock): void => {
    for (const [k, v] of b.rules) rules.set(k, v);
    for (const [k, v] of b.inputShape) inputShape.set(k, v);
    for (const [k, v] of b.expectOutput) expectOutput.set(k, v);
  };
  apply(config);
  for (const o of config.overrides) if (o.files.some((g) => matchesGlob(relPath, g))) apply(o);
  return { rules, inputShape, expectOutput };
}

