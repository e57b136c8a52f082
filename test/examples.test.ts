/**
 * The examples cannot go stale: the CLI runs on each command of examples/expected/commands.json
 * and its output (stdout and the exit code) must equal the file next to it. After a deliberate
 * change, regenerate with `SHAPELINT_UPDATE_EXAMPLES=1 npx vitest run test/examples.test.ts`
 * and review the diff.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, cli } from "./cli/helpers.js";

interface Command {
  readonly args: readonly string[];
  readonly output: string;
}

const dir = join(ROOT, "examples", "expected");
const commands = JSON.parse(readFileSync(join(dir, "commands.json"), "utf8")) as Command[];
const update = process.env["SHAPELINT_UPDATE_EXAMPLES"] === "1";

describe("examples", () => {
  for (const c of commands) {
    it(`shapelint ${c.args.join(" ")}`, async () => {
      const r = await cli(c.args);
      const text = `${r.stdout}${r.stdout.endsWith("\n") ? "" : "\n"}[exit ${r.code}]\n`;
      const path = join(dir, c.output);
      if (update) writeFileSync(path, text);
      expect(text).toBe(readFileSync(path, "utf8"));
    });
  }
});
