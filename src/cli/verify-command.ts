/**
 * `shapelint verify <file>`: run the model on the CPU reference kernel at concrete sizes and
 * report, as text or JSON, every value's runtime vs static shape, what the run shows for each
 * finding, whether each computed fix restores the target size, and the peak RSS.
 *
 * Exit codes: 0 no error confirmed and static == runtime everywhere; 1 errors confirmed by the
 * run (or a run failure the analysis predicted); 2 a discrepancy between the static shapes and
 * the run (a bug in shapelint), a model the kernel cannot run, or bad input.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import picocolors from "picocolors";
import { RULES, RULES_BY_ID } from "../../rules/index.js";
import { type JsonDim, formatShape } from "../lint/finding.js";
import { loadModelFile } from "../loaders/index.js";
import { LoadError } from "../loaders/load-error.js";
import { formatFixStep } from "../reporters/text-parts.js";
import { type FindingCheck, type VerifyProgress, type VerifyResult, VerifyError, formatDims, verifyModel } from "../verify/verify.js";
import { ConfigResolver } from "./config-loader.js";
import { type CliIO, type ExitCode, type Subcommand, UsageError, colorAllowed } from "./io.js";
import { parseRuleArgs, parseShapeArgs } from "./lint-command.js";
import { expandTargets } from "./targets.js";

const OPTIONS = {
  "input-shape": { type: "string", multiple: true },
  "expect-output": { type: "string", multiple: true },
  seed: { type: "string" },
  format: { type: "string", short: "f" },
  "output-file": { type: "string", short: "o" },
  all: { type: "boolean" },
  rule: { type: "string", multiple: true },
  config: { type: "string", short: "c" },
  "no-color": { type: "boolean" },
} as const;

const USAGE = "usage: shapelint verify <file> [--input-shape [name=]dims] [--expect-output [name=]dims] [--seed N] [--format text|json] [-o file] [--all]";

/** Runs shorter than this show no progress bar. */
const PROGRESS_AFTER_MS = 1000;

/** Something that may be a terminal stream (`process.stderr`). */
interface MaybeTTY {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * A `\r` progress bar on stderr for runs that take longer than a second, only when stderr is a
 * terminal (never in pipes, CI logs or tests); `null` otherwise. `done()` clears the line.
 */
export function progressBar(io: CliIO): { update: (p: VerifyProgress) => void; done: () => void } | null {
  const tty = io.stderr as MaybeTTY;
  if (tty.isTTY !== true) return null;
  let shown = false;
  let last = 0;
  const clear = (): void => {
    if (shown) io.stderr.write("\r\u001b[K");
    shown = false;
  };
  return {
    update: (p) => {
      if (p.done === p.total) {
        clear();
        return;
      }
      if (p.elapsedMs < PROGRESS_AFTER_MS) return;
      const now = performance.now();
      if (shown && now - last < 100) return;
      last = now;
      const width = 24;
      const filled = Math.round((width * p.done) / Math.max(1, p.total));
      const text = `${p.phase} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.done}/${p.total} ${(p.elapsedMs / 1000).toFixed(1)} s ${p.node}`;
      const columns = tty.columns ?? 80;
      io.stderr.write(`\r\u001b[K${text.length >= columns ? text.slice(0, columns - 1) : text}`);
      shown = true;
    },
    done: clear,
  };
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function table(rows: readonly (readonly string[])[], bold: (s: string) => string): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, k) => {
    const line = r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd();
    return k === 0 ? bold(line) : line;
  });
}

const VALUE_STATUS_TEXT: Readonly<Record<string, string>> = {
  match: "ok",
  mismatch: "MISMATCH",
  flagged: "differs (after a flagged node)",
  declared: "differs from the file's declaration",
  "not-run": "not run",
  unknown: "no static shape",
};

function runLine(f: FindingCheck, at: string): string | null {
  switch (f.status) {
    case "confirmed":
      return f.real;
    case "not-exercised":
      return `does not hold at the run's sizes (${at})${f.real ? `: ${f.real}` : ""}`;
    case "not-reached":
      return `not reached: ${f.real ?? "the run stopped before"}`;
    case "contradicted":
      return `CONTRADICTED by the run: ${f.real ?? ""}`;
    default:
      return null;
  }
}

/** The text report. */
export function formatVerifyText(r: VerifyResult, options: { readonly all: boolean; readonly color: boolean }): string {
  const c = picocolors.createColors(options.color);
  const format = r.format;
  const lines: string[] = [c.underline(r.file)];
  const inputs = r.inputs.map((i) => `${i.name} ${formatDims(i.shape)}`).join(", ");
  lines.push(`  input ${inputs || "(none)"}; seed ${r.seed}`);
  if (r.sizes.length > 0) {
    const batch = r.sizes.filter((s) => s.reason === "batch");
    const open = r.sizes.filter((s) => s.reason !== "batch");
    const parts: string[] = [];
    if (batch.length > 0) parts.push(`${batch.map((s) => `${s.symbol}=${s.size}`).join(", ")} (batch)`);
    if (open.length > 0) {
      const why = open[0]!.reason === "default" ? "the first tried size where the static shapes show no failure" : "no tried size avoids a static failure";
      parts.push(`${open.map((s) => `${s.symbol}=${s.size}`).join(", ")} (${why}; --input-shape chooses others)`);
    }
    lines.push(`  sizes not bound: ${parts.join("; ")}`);
  }
  const lowered = r.format === "keras" ? " (Keras layers lowered to ONNX ops, seeded random weights)" : "";
  lines.push(`  ran ${r.run.nodesRun} of ${plural(r.run.nodesTotal, "op")} on the CPU kernel${lowered} in ${seconds(r.run.elapsedMs)}; peak RSS ${mb(r.peakRssBytes)}`);
  if (r.run.failure) lines.push(`  ${c.red("run failed")} at ${r.run.failure.message}`);
  if (r.cannotRun) lines.push(`  ${c.red("cannot run")}: ${r.cannotRun}`);

  const outputs = new Set(r.outputs);
  const shown = options.all ? r.values : r.values.filter((v) => v.status === "mismatch" || v.status === "flagged" || v.status === "declared" || outputs.has(v.name));
  if (shown.length > 0) {
    lines.push("");
    const rows: string[][] = [["value", "node", "runtime", "static", "check"]];
    for (const v of shown) {
      const sym = v.symbolic !== null && v.symbolic.some((d) => typeof d === "string") ? ` = ${formatShape(v.symbolic as JsonDim[])}` : "";
      rows.push([v.name, v.node ?? "(input)", v.shape ? formatDims(v.shape) : "-", `${formatDims(v.staticShape)}${sym}`, VALUE_STATUS_TEXT[v.status] ?? v.status]);
    }
    for (const l of table(rows, c.bold)) lines.push(`  ${l.replace(/MISMATCH$/, c.red("MISMATCH"))}`);
  }

  const at = inputs;
  for (const f of r.findings) {
    lines.push("");
    const sev = f.severity === "error" ? c.red(f.severity) : f.severity === "warning" ? c.yellow(f.severity) : c.blue(f.severity);
    lines.push(`  ${sev}  ${f.ruleId}  ${f.node}${f.op ? ` (${f.op})` : ""}`);
    const pad = "         ";
    lines.push(`${pad}${f.message}`);
    if (f.condition) lines.push(`${pad}when: ${f.condition}`);
    const run = runLine(f, at);
    if (run !== null) lines.push(`${pad}run: ${run}`);
    f.fix.forEach((step, i) => lines.push(`${pad}${i === 0 ? "fix: " : "     "}${formatFixStep(step, format)}`));
    if (f.fixVerified === true) lines.push(`${pad}${c.green("fix verified")}: ${f.fixNote ?? ""}`);
    else if (f.fixVerified === false) lines.push(`${pad}${c.red("fix failed")}: ${f.fixNote ?? ""}`);
    else if (f.status === "confirmed" && (f.ruleId === "decoder-output-mismatch" || f.ruleId === "merge-shape-mismatch")) {
      lines.push(`${pad}${f.fix.length === 0 ? "no fix" : `fix not run: ${f.fixNote ?? ""}`}`);
    }
  }

  if (r.discrepancies.length > 0) {
    lines.push("");
    lines.push(`  ${c.red("internal error")}: the static analysis disagrees with the run (a bug in shapelint):`);
    for (const d of r.discrepancies) lines.push(`    ${d.message}`);
  }
  lines.push("");
  const compared = r.values.filter((v) => v.shape !== null && v.status !== "unknown").length;
  const mismatches = r.values.filter((v) => v.status === "mismatch").length;
  const confirmed = r.findings.filter((f) => f.severity === "error" && f.status === "confirmed").length;
  const verified = r.findings.filter((f) => f.fixVerified === true).length;
  const failed = r.findings.filter((f) => f.fixVerified === false).length;
  const excused = r.values.filter((v) => v.status === "flagged" || v.status === "declared").length;
  const parts = [
    mismatches > 0
      ? `${mismatches} of ${plural(compared, "value")} differ from the static shapes`
      : excused > 0
        ? `${plural(compared, "value")} compared: ${excused} differ after a flagged failure or from the file's declarations, the others equal the static shapes`
        : `${plural(compared, "value")} compared: runtime shapes equal the static ones`,
  ];
  if (confirmed > 0) parts.push(`${plural(confirmed, "error")} confirmed by the run`);
  if (verified > 0) parts.push(`${verified} ${verified === 1 ? "fix" : "fixes"} verified`);
  if (failed > 0) parts.push(`${failed} ${failed === 1 ? "fix" : "fixes"} failed`);
  lines.push(parts.join("; "));
  return `${lines.join("\n")}\n`;
}

/** JSON with two-space indentation, but arrays of plain values (shapes) on one line. */
export function stringifyCompact(value: unknown, indent = ""): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) return JSON.stringify(value);
    return `[\n${value.map((v) => `${inner}${stringifyCompact(v, inner)}`).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${stringifyCompact(v, inner)}`).join(",\n")}\n${indent}}`;
}

/** Run `shapelint verify` (argv without the `verify` word). */
export const verifyCommand: Subcommand = async (io: CliIO): Promise<ExitCode> => {
  const { values, positionals } = parseArgs({ args: [...io.argv], options: OPTIONS, allowPositionals: true, strict: true });
  const format = values.format ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format '${format}': want text or json`);
  if (positionals.length !== 1) throw new UsageError(USAGE);
  let seed = 1;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed) || !Number.isSafeInteger(Number(values.seed))) throw new UsageError(`--seed '${values.seed}': want a non-negative integer`);
    seed = Number(values.seed);
  }
  const cliRules = parseRuleArgs(values.rule);
  const cliInputs = parseShapeArgs(values["input-shape"], "--input-shape");
  const cliExpect = parseShapeArgs(values["expect-output"], "--expect-output");
  const { targets, missing } = expandTargets(positionals, io.cwd);
  const target = targets[0];
  if (!target || targets.length > 1 || missing.length > 0) {
    io.stderr.write(`shapelint: ${positionals[0]}: ${missing[0]?.message ?? "want exactly one model file"}\n`);
    return 2;
  }
  const resolver = new ConfigResolver(new Set(RULES_BY_ID.keys()), values.config !== undefined ? resolve(io.cwd, values.config) : undefined);
  const cfg = resolver.resolve(target.path);

  let result: VerifyResult;
  const bar = progressBar(io);
  try {
    const model = await loadModelFile(target.path, { displayName: target.display });
    result = verifyModel(model, {
      rules: RULES,
      severities: new Map([...cfg.rules, ...cliRules]),
      inputShapes: new Map([...cfg.inputShape, ...cliInputs]),
      expectOutput: new Map([...cfg.expectOutput, ...cliExpect]),
      seed,
      file: target.display,
      ...(bar ? { onProgress: bar.update } : {}),
    });
  } catch (e) {
    bar?.done();
    if (e instanceof LoadError) {
      io.stderr.write(`shapelint: ${target.display}: ${e.code}: ${e.describe()}\n`);
      return 2;
    }
    if (e instanceof VerifyError) {
      io.stderr.write(`shapelint: ${target.display}: ${e.code}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  bar?.done();

  const report = format === "json" ? `${stringifyCompact(result)}\n` : formatVerifyText(result, { all: values.all === true, color: values["output-file"] === undefined && colorAllowed(io, values["no-color"] === true) });
  if (values["output-file"] !== undefined) {
    const path = resolve(io.cwd, values["output-file"]);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, report);
  } else io.stdout.write(report);

  if (result.cannotRun !== null) io.stderr.write(`shapelint: ${result.file}: CANNOT_RUN: ${result.cannotRun}\n`);
  if (result.discrepancies.length > 0) {
    io.stderr.write(`shapelint: ${result.file}: internal error: ${plural(result.discrepancies.length, "disagreement")} between the static shapes and the run (a bug in shapelint)\n`);
  }
  return result.exitCode;
};
