/**
 * From command-line arguments to model files: files as given, folders walked for model files,
 * quoted globs expanded. In folders, `.json` files are kept only when their first bytes look
 * like a Keras or TF.js model (so `package.json` and friends are skipped).
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { globToRegExp, isGlob } from "../lint/glob.js";

/** Extensions of model files found in folders (`.json` needs a look inside, too). */
export const MODEL_EXTENSIONS: readonly string[] = [".onnx", ".keras", ".h5", ".hdf5", ".json"];

/** JSON files that are never models. */
const NOT_MODELS = /^(package(-lock)?|tsconfig(\..*)?|jsconfig|shapelint\.config|\.eslintrc|composer|manifest|renovate|lerna|turbo|vercel|nx|angular|project)\.json$/i;

/** Folders never walked. */
const SKIP_DIRS = new Set(["node_modules", ".git", ".hg", ".svn", "__pycache__"]);

/** A file to analyse. */
export interface Target {
  /** Path on disk (absolute). */
  readonly path: string;
  /** Path to show: as given, or the folder as given joined with the path below it. */
  readonly display: string;
}

/** An argument that named nothing usable. */
export interface MissingTarget {
  readonly display: string;
  readonly message: string;
}

/** A file to analyse or an argument that named nothing, in argument order. */
export type TargetItem = ({ readonly kind: "file" } & Target) | ({ readonly kind: "missing" } & MissingTarget);

function extOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot).toLowerCase() : "";
}

/** True when a JSON file's first 64 KiB look like a Keras model config, a `.keras` config or a TF.js model. */
export function looksLikeModelJson(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString("utf8");
    if (!/^\s*\{/.test(head)) return false;
    if (/"modelTopology"\s*:/.test(head)) return true;
    return /"class_name"\s*:/.test(head) && /"(config|layers|keras_version|backend)"\s*:/.test(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isModelFile(path: string, name: string): boolean {
  const ext = extOf(name);
  if (!MODEL_EXTENSIONS.includes(ext)) return false;
  if (ext !== ".json") return true;
  return !NOT_MODELS.test(name) && looksLikeModelJson(path);
}

function walk(dir: string, visit: (path: string, name: string) => void): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith(".")) walk(path, visit);
    } else if (e.isFile()) visit(path, e.name);
  }
}

function displayJoin(base: string, rel: string): string {
  const b = base.replace(/[\\/]+$/, "");
  return b === "" || b === "." ? rel.split(sep).join("/") : `${b}/${rel.split(sep).join("/")}`;
}

/** The folder part of a glob before its first wildcard segment. */
function globBase(glob: string): string {
  const parts = glob.replace(/\\/g, "/").split("/");
  const fixed: string[] = [];
  for (const p of parts) {
    if (isGlob(p)) break;
    fixed.push(p);
  }
  if (fixed.length === parts.length) fixed.pop();
  return fixed.join("/") || (glob.startsWith("/") ? "/" : ".");
}

/**
 * Expand arguments into model files (deduplicated, in argument order; folders sorted). `items`
 * interleaves files and arguments that named nothing, in argument order. With `skipNonModels`,
 * files named explicitly are kept only when they look like models, as files in folders are.
 */
export function expandTargets(
  args: readonly string[],
  cwd: string,
  options: { readonly skipNonModels?: boolean } = {},
): { targets: Target[]; missing: MissingTarget[]; items: TargetItem[] } {
  const targets: Target[] = [];
  const missing: MissingTarget[] = [];
  const items: TargetItem[] = [];
  const seen = new Set<string>();
  const add = (path: string, display: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    targets.push({ path, display });
    items.push({ kind: "file", path, display });
  };
  const miss = (display: string, message: string): void => {
    missing.push({ display, message });
    items.push({ kind: "missing", display, message });
  };
  for (const arg of args) {
    const abs = resolve(cwd, arg);
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      stat = undefined;
    }
    if (stat?.isDirectory()) {
      const before = targets.length;
      walk(abs, (path, name) => {
        if (isModelFile(path, name)) add(path, displayJoin(arg, relative(abs, path)));
      });
      if (targets.length === before) miss(arg, "no model files (.onnx, .keras, .h5, model .json) in this folder");
    } else if (stat) {
      // Hooks that pass every .json file (pre-commit) ask to skip files that are not models.
      const name = abs.slice(abs.lastIndexOf(sep) + 1);
      if (options.skipNonModels && !isModelFile(abs, name)) continue;
      add(abs, arg);
    } else if (isGlob(arg)) {
      const base = globBase(arg);
      const baseAbs = resolve(cwd, base);
      const pattern = arg.replace(/\\/g, "/").replace(/^\.\//, "");
      const re = globToRegExp(pattern);
      const before = targets.length;
      walk(baseAbs, (path, name) => {
        // Shell semantics: the pattern is anchored at the folder it is written relative to.
        const rel = isAbsolute(pattern) ? path.split(sep).join("/") : relative(cwd, path).split(sep).join("/");
        if (!re.test(rel)) return;
        if (extOf(name) === ".json" && (NOT_MODELS.test(name) || !looksLikeModelJson(path))) return;
        add(path, rel);
      });
      if (targets.length === before) miss(arg, "no model files match this pattern");
    } else {
      miss(arg, "no such file or directory");
    }
  }
  return { targets, missing, items };
}
