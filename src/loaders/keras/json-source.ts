/**
 * JSON text with source positions, as Keras and TF.js write it.
 *
 * Values come from the native `JSON.parse` (a 5 MB config parses in tens of milliseconds, a
 * generic tree parser takes seconds). Positions come from one structural scan of the text that
 * records where every object and array starts, looked up by JSON path when a location is needed.
 * Syntax errors are located with jsonc-parser's `parseTree` (only on that failure path).
 *
 * Python's `json` module writes the bare literals `NaN`, `Infinity` and `-Infinity` for
 * non-finite floats (`allow_nan=True` is its default), which strict JSON parsers reject
 * (KERAS_JSON.md section 11). Outside strings they are replaced by tagged objects before
 * `JSON.parse` and turned back into the numbers; the structural scan runs on the original text,
 * so every offset, line and column stays that of the file.
 */
import { type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import { LoadError } from "../load-error.js";

/** A parsed JSON document that can map its containers back to positions in the text. */
export interface JsonSource {
  readonly value: unknown;
  /** 0-based UTF-16 offset of the object or array at a path of `value` (`undefined` for scalars and missing paths). */
  offsetAt(path: readonly (string | number)[]): number | undefined;
  /** 1-based line and column (UTF-16 code units) of an offset. */
  position(offset: number): { line: number; column: number };
}

const NON_FINITE_TAG = "\u0000shapelint-non-finite";

const NON_FINITE: ReadonlyArray<{ literal: string; value: number }> = [
  { literal: "-Infinity", value: -Infinity },
  { literal: "Infinity", value: Infinity },
  { literal: "NaN", value: NaN },
];

function isIdentChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** End index (of the closing quote) of the string whose opening quote is at `i`; -1 when unterminated. */
function stringEnd(text: string, i: number): number {
  let j = i;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j < 0) return -1;
    let k = j - 1;
    while (text.charCodeAt(k) === 0x5c) k--;
    if ((j - k - 1) % 2 === 0) return j; // an even number of backslashes: the quote is not escaped
  }
}

/**
 * Replace `NaN`/`Infinity`/`-Infinity` outside strings by `{"<tag>": "<literal>"}` objects;
 * `null` when the text has none.
 */
function tagNonFinite(text: string): string | null {
  if (!/NaN|Infinity/.test(text)) return null;
  let out = "";
  let last = 0;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      const j = stringEnd(text, i);
      if (j < 0) break;
      i = j;
      continue;
    }
    if (ch !== 0x4e /* N */ && ch !== 0x49 /* I */ && ch !== 0x2d /* - */) continue;
    if (i > 0 && isIdentChar(text.charCodeAt(i - 1))) continue;
    for (const nf of NON_FINITE) {
      if (text.startsWith(nf.literal, i) && !isIdentChar(text.charCodeAt(i + nf.literal.length))) {
        out += text.slice(last, i) + JSON.stringify({ [NON_FINITE_TAG]: nf.literal });
        i += nf.literal.length - 1;
        last = i + 1;
        found = true;
        break;
      }
    }
  }
  return found ? out + text.slice(last) : null;
}

function restoreNonFinite(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const tag = (v as Record<string, unknown>)[NON_FINITE_TAG];
    if (typeof tag === "string" && Object.keys(v).length === 1) return NON_FINITE.find((n) => n.literal === tag)!.value;
  }
  return v;
}

/** Where a container starts and the containers inside it, by key (objects) or index (arrays). */
interface ScanNode {
  readonly offset: number;
  /** Created on the first nested container (leaf lists such as `kernel_size` need none). */
  children: Map<string | number, ScanNode> | null;
}

/**
 * Record the start offset of every object and array of well-formed JSON text (strings skipped,
 * bare words such as `NaN` ignored). Keys are decoded when they contain escapes.
 */
function scanContainers(text: string): ScanNode | null {
  interface Frame {
    node: ScanNode;
    isObject: boolean;
    key: string | null;
    index: number;
    expectKey: boolean;
  }
  let root: ScanNode | null = null;
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x22: {
        const j = stringEnd(text, i);
        if (j < 0) return root;
        const top = stack[stack.length - 1];
        if (top && top.isObject && top.expectKey) {
          const rawKey = text.slice(i + 1, j);
          top.key = rawKey.includes("\\") ? (JSON.parse(text.slice(i, j + 1)) as string) : rawKey;
        }
        i = j;
        break;
      }
      case 0x7b: // {
      case 0x5b: {
        // [
        const node: ScanNode = { offset: i, children: null };
        const top = stack[stack.length - 1];
        if (!top) root = node;
        else if (!top.isObject || top.key !== null) (top.node.children ??= new Map()).set(top.isObject ? top.key! : top.index, node);
        stack.push({ node, isObject: c === 0x7b, key: null, index: 0, expectKey: c === 0x7b });
        break;
      }
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        break;
      case 0x2c: {
        // ,
        const top = stack[stack.length - 1];
        if (top) {
          if (top.isObject) top.expectKey = true;
          else top.index++;
        }
        break;
      }
      case 0x3a: {
        // :
        const top = stack[stack.length - 1];
        if (top) top.expectKey = false;
        break;
      }
      default:
        break;
    }
  }
  return root;
}

/** Start offsets of every line, for offset -> line/column ("\n", "\r\n" and a lone "\r" end a line). */
function lineStarts(text: string): number[] {
  const starts = [0];
  if (!text.includes("\r")) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    return starts;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

function positionIn(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/**
 * Parse JSON text (with Python's non-finite literals). Throws {@link LoadError} `MALFORMED` with
 * the line and column of the first syntax error, or `EMPTY_FILE` for blank text.
 *
 * @param what - how to name the text in messages, e.g. `config.json in model.keras`.
 */
export function parseJsonSource(rawText: string, what: string): JsonSource {
  const text = rawText.charCodeAt(0) === 0xfeff ? " " + rawText.slice(1) : rawText; // keep offsets
  if (text.trim() === "") throw new LoadError("EMPTY_FILE", `${what} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const tagged = tagNonFinite(text);
    try {
      if (tagged === null) throw new Error("syntax");
      value = JSON.parse(tagged, restoreNonFinite);
    } catch {
      throw syntaxError(text, what);
    }
  }
  // Both are computed on the first location request: loading a clean file may need none.
  let starts: number[] | null = null;
  let scan: ScanNode | null | undefined;
  return {
    value,
    offsetAt: (path) => {
      if (scan === undefined) scan = scanContainers(text);
      let node = scan;
      for (const seg of path) {
        if (node === null) return undefined;
        node = node.children?.get(seg) ?? null;
      }
      return node?.offset;
    },
    position: (offset) => positionIn((starts ??= lineStarts(text)), offset),
  };
}

/** The first syntax error of invalid JSON, located by jsonc-parser (non-finite literals allowed). */
function syntaxError(text: string, what: string): LoadError {
  // Same-length stand-ins keep jsonc-parser's offsets those of the file.
  const clean = text.replace(/(?<![\w.])(-Infinity|Infinity|NaN)(?![\w.])/g, (m) => (m === "NaN" ? "0.0" : m === "Infinity" ? "1e999999" : "-1e999999"));
  const errors: ParseError[] = [];
  parseTree(clean, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const e = errors[0];
  const offset = e ? e.offset : 0;
  const pos = positionIn(lineStarts(text), offset);
  const code = e ? printParseErrorCode(e.error) : "InvalidSymbol";
  const near = JSON.stringify(text.slice(offset, offset + 20));
  return new LoadError("MALFORMED", `${what} is not valid JSON: ${describeJsonError(code)} at line ${pos.line}, column ${pos.column} (near ${near})`, { line: pos.line, column: pos.column });
}

function describeJsonError(code: string): string {
  switch (code) {
    case "InvalidSymbol":
      return "unexpected symbol";
    case "InvalidNumberFormat":
      return "invalid number";
    case "PropertyNameExpected":
      return "property name expected";
    case "ValueExpected":
      return "value expected";
    case "ColonExpected":
      return "':' expected";
    case "CommaExpected":
      return "',' expected";
    case "CloseBraceExpected":
      return "'}' expected";
    case "CloseBracketExpected":
      return "']' expected";
    case "EndOfFileExpected":
      return "end of text expected (trailing data)";
    case "UnexpectedEndOfString":
      return "unterminated string";
    case "UnexpectedEndOfNumber":
      return "unterminated number";
    case "InvalidUnicode":
      return "invalid unicode escape";
    case "InvalidEscapeCharacter":
      return "invalid escape character";
    case "InvalidCharacter":
      return "invalid character in string";
    default:
      return code;
  }
}

/** RFC 6901 JSON pointer from path segments. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
