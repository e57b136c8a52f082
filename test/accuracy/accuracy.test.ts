/**
 * Accuracy of decoder-output-mismatch and merge-shape-mismatch on a corpus of real exported
 * models whose labels come from running the frameworks (PyTorch, onnxruntime, TF.js), never from
 * shapelint: test/accuracy/manifest.json, written by scripts/gen_accuracy_corpus.py and
 * scripts/gen_accuracy_keras.mjs (see test/accuracy/README.md).
 *
 * Each case runs `shapelint <file> <args> --format json` in-process; the findings of the two
 * scored rules, as {ruleId, node} pairs, must equal the case's expected labels. Precision and
 * recall over the whole corpus are printed with every false positive and miss. Cases listed in
 * the manifest's `knownFailures` (disagreements tracked for the engine) are expected to fail;
 * one that starts passing fails the run, so that it is removed from the list.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, cli } from "../cli/helpers.js";

interface Label {
  readonly ruleId: string;
  readonly node: string;
}

interface Case {
  readonly id: string;
  readonly group: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly expected: readonly Label[];
  readonly why: string;
  readonly source: "pytorch" | "onnx-helper" | "tfjs" | "hand-edited";
}

interface Manifest {
  readonly knownFailures: readonly string[];
  readonly cases: readonly Case[];
}

interface JsonReport {
  readonly files: readonly {
    readonly file: string;
    readonly error: { readonly code: string; readonly message: string } | null;
    readonly findings: readonly { readonly ruleId: string; readonly node: string }[];
  }[];
}

/** What one case gave. */
interface Outcome {
  readonly got: readonly Label[];
  readonly falsePositives: readonly Label[];
  readonly misses: readonly Label[];
  /** Set when the CLI could not analyse the file (exit 2, or a file-level error). */
  readonly failure: string | null;
}

const SCORED = new Set(["decoder-output-mismatch", "merge-shape-mismatch"]);
const manifest = JSON.parse(readFileSync(join(ROOT, "test", "accuracy", "manifest.json"), "utf8")) as Manifest;
const known = new Set(manifest.knownFailures);

const key = (l: Label): string => `${l.ruleId} @ ${l.node}`;
const show = (ls: readonly Label[]): string => (ls.length === 0 ? "nothing" : ls.map(key).join(", "));

async function run(c: Case): Promise<Outcome> {
  const r = await cli([c.file, ...c.args, "--format", "json"]);
  let report: JsonReport;
  try {
    report = JSON.parse(r.stdout) as JsonReport;
  } catch {
    return { got: [], falsePositives: [], misses: c.expected, failure: `exit ${r.code}, no JSON report: ${r.stderr.trim()}` };
  }
  const file = report.files[0];
  const failure = file === undefined ? `exit ${r.code}, no file in the report` : file.error !== null ? `${file.error.code}: ${file.error.message}` : null;
  const seen = new Map<string, Label>();
  for (const f of file?.findings ?? []) {
    if (SCORED.has(f.ruleId)) seen.set(key(f), { ruleId: f.ruleId, node: f.node });
  }
  const got = [...seen.values()];
  const want = new Set(c.expected.map(key));
  return {
    got,
    falsePositives: got.filter((l) => !want.has(key(l))),
    misses: c.expected.filter((l) => !seen.has(key(l))),
    failure,
  };
}

const passed = (o: Outcome): boolean => o.failure === null && o.falsePositives.length === 0 && o.misses.length === 0;

describe("accuracy corpus", () => {
  const outcomes = new Map<string, Outcome>();

  beforeAll(async () => {
    for (const c of manifest.cases) outcomes.set(c.id, await run(c));
  });

  it("manifest is consistent", () => {
    const ids = manifest.cases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(manifest.knownFailures.filter((id) => !ids.includes(id))).toEqual([]);
    const clean = manifest.cases.filter((c) => c.expected.length === 0).length;
    expect(manifest.cases.length).toBeGreaterThanOrEqual(60);
    expect(clean * 2).toBeGreaterThanOrEqual(manifest.cases.length);
  });

  it("precision and recall", () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const lines: string[] = [];
    for (const c of manifest.cases) {
      const o = outcomes.get(c.id);
      if (o === undefined) continue;
      tp += o.got.length - o.falsePositives.length;
      fp += o.falsePositives.length;
      fn += o.misses.length;
      if (passed(o)) continue;
      const tag = known.has(c.id) ? "known" : "NEW";
      const parts = [
        ...(o.failure !== null ? [`could not analyse: ${o.failure}`] : []),
        ...o.falsePositives.map((l) => `false positive ${key(l)}`),
        ...o.misses.map((l) => `miss ${key(l)}`),
      ];
      lines.push(`  [${tag}] ${c.id}: expected ${show(c.expected)}, got ${show(o.got)}; ${parts.join("; ")}`);
    }
    const pct = (n: number, d: number): string => (d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}% (${n}/${d})`);
    const failing = manifest.cases.filter((c) => {
      const o = outcomes.get(c.id);
      return o !== undefined && !passed(o);
    });
    console.log(
      [
        `accuracy corpus: ${manifest.cases.length} cases, ${manifest.cases.filter((c) => c.expected.length === 0).length} clean`,
        `  precision ${pct(tp, tp + fp)}, recall ${pct(tp, tp + fn)}; ${failing.length} case(s) disagree, ${known.size} known`,
        ...lines,
      ].join("\n"),
    );
    // Every disagreement must be a tracked one; the per-case tests below say which.
    expect(failing.map((c) => c.id).filter((id) => !known.has(id))).toEqual([]);
  });

  for (const c of manifest.cases) {
    const body = (): void => {
      const o = outcomes.get(c.id);
      expect(o, "case was not run").toBeDefined();
      if (o === undefined) return;
      expect(o.failure, `${c.file} could not be analysed`).toBeNull();
      expect(
        { falsePositives: o.falsePositives.map(key), misses: o.misses.map(key) },
        `${c.id}: ${c.why}`,
      ).toEqual({ falsePositives: [], misses: [] });
    };
    const title = `${c.group}: ${c.id} (${c.expected.length === 0 ? "clean" : show(c.expected)})`;
    if (known.has(c.id)) it.fails(`[known failure] ${title}`, body);
    else it(title, body);
  }
});
