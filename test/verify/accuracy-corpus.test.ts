/**
 * verify over the accuracy corpus (test/accuracy: real exported models labelled by running
 * PyTorch, onnxruntime and TF.js): the static shapes agree with the kernel's run for every
 * case, and at concrete sizes the kernel fails exactly where the frameworks' labels put a merge
 * that cannot run, and runs through otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, cli } from "../cli/helpers.js";

interface Case {
  readonly id: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly expected: readonly { readonly ruleId: string; readonly node: string }[];
}

interface Report {
  readonly sizes: readonly unknown[];
  readonly run: { readonly ok: boolean; readonly failure: { readonly node: string } | null };
  readonly discrepancies: readonly { readonly message: string }[];
  readonly cannotRun: string | null;
  readonly exitCode: number;
}

const MANIFEST = join(ROOT, "test/accuracy/manifest.json");
const cases: Case[] = existsSync(MANIFEST) ? (JSON.parse(readFileSync(MANIFEST, "utf8")) as { cases: Case[] }).cases : [];

describe.skipIf(cases.length === 0)("verify on the accuracy corpus", () => {
  it("static == runtime in every case; the run fails exactly at the labelled merges", async () => {
    expect(cases.length).toBeGreaterThan(100);
    let concrete = 0;
    for (const c of cases) {
      const r = await cli(["verify", c.file, ...c.args, "--format", "json"]);
      const j = JSON.parse(r.stdout) as Report;
      expect(j.discrepancies.map((d) => d.message), c.id).toEqual([]);
      expect(j.cannotRun, c.id).toBeNull();
      expect(r.code, `${c.id}: ${r.stderr}`).not.toBe(2);
      if (j.sizes.length > 0) continue; // open sizes: run at a default size, not the labelled one
      concrete++;
      const merges = c.expected.filter((e) => e.ruleId === "merge-shape-mismatch").map((e) => e.node);
      if (merges.length === 0) expect(j.run.failure, c.id).toBeNull();
      else expect(merges, c.id).toContain(j.run.failure?.node);
    }
    expect(concrete).toBeGreaterThan(100);
  });
});
