/**
 * The text pieces of a finding shared by the human-facing reporters (stylish, GitHub
 * annotations, SARIF message text): condition, shape trail, related places and fix lines.
 */
import type { Finding, FixStep, Framework, JsonValue } from "../lint/finding.js";
import { frameworkLabel } from "../lint/framework.js";

const PYTHON_FRAMEWORKS: ReadonlySet<Framework> = new Set(["pytorch", "keras", "tf", "tfjs"]);

/** A value as the framework writes it: ONNX/JSON `[1,1]`, Python `(1, 1)` / `None` / `True`. */
export function formatValue(v: JsonValue, python: boolean): string {
  if (!python) return v === null ? "unset" : JSON.stringify(v);
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) {
    const items = (v as readonly JsonValue[]).map((x) => formatValue(x, true));
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  const obj = v as { readonly [key: string]: JsonValue };
  return `{${Object.keys(obj)
    .map((k) => `'${k}': ${formatValue(obj[k] ?? null, true)}`)
    .join(", ")}}`;
}

function nounFor(f: Framework): string {
  return f === "pytorch" ? "module" : f === "keras" || f === "tfjs" ? "layer" : "node";
}

/**
 * One fix step as a line. A step in the file's own terms reads `attr from -> to on node`; a
 * step for another framework reads `PyTorch: module dec.0, output_padding=0`.
 */
export function formatFixStep(step: FixStep, format: "onnx" | "keras" | null): string {
  const note = step.note ? ` (${step.note})` : "";
  const own: Framework = format === "keras" ? "keras" : "onnx";
  if (step.framework === undefined || step.framework === own) {
    const python = own === "keras";
    return `${step.attribute} ${formatValue(step.from, python)} -> ${formatValue(step.to, python)} on ${step.node}${note}`;
  }
  const python = PYTHON_FRAMEWORKS.has(step.framework);
  return `${frameworkLabel(step.framework)}: ${nounFor(step.framework)} ${step.node}, ${step.attribute}=${formatValue(step.to, python)}${note}`;
}

/** Labelled detail lines of a finding, in display order (without the message itself). */
export function detailLines(f: Finding, format: "onnx" | "keras" | null): { label: string; text: string }[] {
  const out: { label: string; text: string }[] = [];
  if (f.condition) out.push({ label: "when", text: f.condition });
  if (f.trail) out.push({ label: "shape trail", text: f.trail });
  for (const r of f.related) out.push({ label: r.role, text: `${r.node}: ${r.message}` });
  f.fix.forEach((step, i) => out.push({ label: i === 0 ? "fix" : "", text: formatFixStep(step, format) }));
  return out;
}

/** The message followed by its detail lines, one per line (SARIF text, GitHub annotations). */
export function plainText(f: Finding, format: "onnx" | "keras" | null): string {
  const lines = [f.message];
  for (const d of detailLines(f, format)) lines.push(d.label ? `${d.label}: ${d.text}` : `  ${d.text}`);
  return lines.join("\n");
}
