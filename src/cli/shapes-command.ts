/**
 * `shapelint shapes <file>`: the propagated shape of every value (graph inputs, then each node's
 * outputs in topological order), with the formula of each symbolic dim, as a table or as JSON
 * `{"file", "values": [{"name", "node", "op", "dtype", "shape"}], "sizes": [{"symbol", "runsFor",
 * "smallest"}], "unsupported": [op types]}`; the sizes say for which symbolic input sizes the graph
 * runs at all (every merge agrees, every size stays positive).
 */
import { parseArgs } from "node:util";
import picocolors from "picocolors";
import { type JsonDim, formatShape, jsonShape } from "../lint/finding.js";
import type { Model } from "../ir/graph.js";
import { analyseFile } from "../lint/analyse-file.js";
import { sizeConditions } from "../lint/size-conditions.js";
import { sizeDomain } from "../lint/size-domain.js";
import { describeCondition, intersectConditions, smallestHolding } from "../ir/dim-compare.js";
import type { ShapeResult } from "../shapes/propagate.js";
import { type CliIO, type ExitCode, UsageError, colorAllowed } from "./io.js";
import { SHAPE_OPTIONS, parseShapeArgs } from "./lint-command.js";
import { expandTargets } from "./targets.js";

/** One row of the shapes listing. */

export interface ShapeRow {
  readonly name: string;
  readonly node: string | null;
  readonly op: string | null;
  readonly dtype: string | null;
  readonly shape: JsonDim[] | null;
}

/** Every value of the main graph with its propagated shape: inputs first, then node outputs in order. */
export function shapeRows(model: Model, shapes: ShapeResult): ShapeRow[] {
  const rows: ShapeRow[] = [];
  for (const vi of model.graph.inputs) {
    const info = shapes.values.get(vi.name);
    rows.push({ name: vi.name, node: null, op: null, dtype: info?.dtype ?? vi.dtype, shape: jsonShape(info?.shape) });
  }
  for (const node of shapes.order) {
    for (const out of node.outputs) {
      if (!out) continue;
      const info = shapes.values.get(out);
      rows.push({ name: out, node: node.name, op: node.opType, dtype: info?.dtype ?? null, shape: jsonShape(info?.shape) });
    }
  }
  return rows;
}

function table(rows: readonly ShapeRow[], color: boolean): string {
  const c = picocolors.createColors(color);
  const header = ["value", "op", "node", "dtype", "shape"];
  const cells = rows.map((r) => [r.name, r.op ?? "(input)", r.node ?? "", r.dtype ?? "?", formatShape(r.shape)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [c.bold(line(header)), ...cells.map(line)].join("\n") + "\n";
}

const OPTIONS = {
  ...SHAPE_OPTIONS,
  format: { type: "string", short: "f" },
  "no-color": { type: "boolean" },
} as const;

/** Run `shapelint shapes` (argv without the `shapes` word). */
export async function shapesCommand(io: CliIO): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...io.argv], options: OPTIONS, allowPositionals: true, strict: true });
  const format = values.format ?? "table";
  if (format !== "table" && format !== "json") throw new UsageError(`--format '${format}': want table or json`);
  if (positionals.length !== 1) throw new UsageError("usage: shapelint shapes <file> [--input-shape [name=]dims] [--format table|json]");
  const inputShapes = parseShapeArgs(values["input-shape"], "--input-shape");
  const { targets, missing } = expandTargets(positionals, io.cwd);
  const target = targets[0];
  if (!target || targets.length > 1 || missing.length > 0) {
    io.stderr.write(`shapelint: ${positionals[0]}: ${missing[0]?.message ?? "want exactly one model file"}\n`);
    return 2;
  }
  // Only propagation is needed; no rule runs.
  const analysis = await analyseFile(target.path, { rules: [], inputShapes }, target.display);
  const { result, model, shapes } = analysis;
  if (result.error || !model || !shapes) {
    io.stderr.write(`shapelint: ${target.display}: ${result.error?.code ?? "INTERNAL_ERROR"}: ${result.error?.message ?? "no shapes"}\n`);
    if (analysis.exception !== undefined && io.env.SHAPELINT_DEBUG === "1") {
      const e = analysis.exception;
      io.stderr.write(`${e instanceof Error && e.stack ? e.stack : String(e)}\n`);
    }
    return 2;
  }
  const rows = shapeRows(model, shapes);
  const sizes = runningSizes(shapes);
  const unsupported = [...shapes.unsupported.keys()].map((k) => k.replace(/^::/, "")).sort();
  if (format === "json") io.stdout.write(`${JSON.stringify({ file: target.display, values: rows, sizes, unsupported }, null, 2)}\n`);
  else {
    let text = table(rows, colorAllowed(io, values["no-color"] === true));
    if (sizes.length > 0) text += `\nthe graph runs for ${sizes.map((s) => `${s.runsFor} (smallest ${s.symbol}=${s.smallest ?? "none"})`).join(", ")}\n`;
    if (unsupported.length > 0) text += `\nno shape function (outputs unknown): ${unsupported.join(", ")}\n`;
    io.stdout.write(text);
  }
  return 0;
}

/** Per symbolic input size: the sizes for which every merge agrees and every size stays positive. */
export interface RunningSize {
  readonly symbol: string;
  readonly runsFor: string;
  readonly smallest: number | null;
}

function runningSizes(shapes: ShapeResult): RunningSize[] {
  const sc = sizeConditions(shapes, { from: sizeDomain(shapes) });
  const reqs = sc.requirements.filter((r) => r.kind !== "output");
  const symbols = [...new Set(reqs.flatMap((r) => r.conditions.map((c) => c.symbol)))].sort();
  const out: RunningSize[] = [];
  for (const s of symbols) {
    const c = intersectConditions(s, reqs.flatMap((r) => r.conditions.filter((x) => x.symbol === s)));
    if (c) out.push({ symbol: s, runsFor: describeCondition(c), smallest: smallestHolding(c) });
  }
  return out;
}
