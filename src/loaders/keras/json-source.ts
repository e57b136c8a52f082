/**
 * JSON text with source positions, as Keras and TF.js write it.
 *
 * Python's `json` module writes the bare literals `NaN`, `Infinity` and `-Infinity` for
 * non-finite floats (`allow_nan=True` is its default), which strict JSON parsers reject
 * (KERAS_JSON.md section 11). They are replaced, outside strings, by number tokens of the same
 * length before parsing, so every offset, line and column stays that of the original text; the
 * converted values are restored to the non-finite numbers.
 *
 * Every object and array produced by {@link parseJsonSource} remembers the offset of its
 * opening bracket, so the graph builder can give each layer its 1-based line and column.
 */
import { type Node as JsonNode, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import { LoadError } from "../load-error.js";

/** A parsed JSON document that can map its objects back to positions in the text. */
export interface JsonSource {
  readonly value: unknown;
  /** 0-based UTF-16 offset of an object or array of `value`, when it came from the text. */
  offsetOf(obj: object): number | undefined;
  /** 1-based line and column (UTF-16 code units) of an offset. */
  position(offset: number): { line: number; column: number };
}

/** Python's non-finite literals and same-length stand-ins that parse to the same value. */
const NON_FINITE: ReadonlyArray<{ literal: string; standIn: string; value: number }> = [
  { literal: "-Infinity", standIn: "-1e999999", value: -Infinity },
  { literal: "Infinity", standIn: "1e999999", value: Infinity },
  { literal: "NaN", standIn: "0.0", value: NaN },
];

/**
 * Replace `NaN`/`Infinity`/`-Infinity` outside strings by same-length number tokens; returns the
 * new text and the offsets of the replaced NaNs (the infinities parse to themselves).
 */
function replaceNonFinite(text: string): { text: string; nanOffsets: Set<number> } {
  const nanOffsets = new Set<number>();
  // Fast path: nothing to replace.
  if (!/NaN|Infinity/.test(text)) return { text, nanOffsets };
  let out = "";
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
      continue;
    }
    if (ch === 0x22) {
      inString = true;
      continue;
    }
    if (ch !== 0x4e /* N */ && ch !== 0x49 /* I */ && ch !== 0x2d /* - */) continue;
    for (const nf of NON_FINITE) {
      if (text.startsWith(nf.literal, i) && !isIdentChar(text.charCodeAt(i + nf.literal.length))) {
        out += text.slice(last, i) + nf.standIn;
        if (Number.isNaN(nf.value)) nanOffsets.add(i);
        i += nf.literal.length - 1;
        last = i + 1;
        break;
      }
    }
  }
  return { text: out + text.slice(last), nanOffsets };
}

function isIdentChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** Start offsets of every line, for offset -> line/column. */
function lineStarts(text: string): number[] {
  const starts = [0];
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
  const { text: clean, nanOffsets } = replaceNonFinite(text);
  const errors: ParseError[] = [];
  const root = parseTree(clean, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const starts = lineStarts(text);
  if (errors.length > 0 || root === undefined) {
    const e = errors[0];
    const offset = e ? e.offset : 0;
    const pos = positionIn(starts, offset);
    const code = e ? printParseErrorCode(e.error) : "ValueExpected";
    const near = JSON.stringify(text.slice(offset, offset + 20));
    throw new LoadError("MALFORMED", `${what} is not valid JSON: ${describeJsonError(code)} at line ${pos.line}, column ${pos.column} (near ${near})`, { line: pos.line, column: pos.column });
  }
  const offsets = new WeakMap<object, number>();
  const value = toValue(root, offsets, nanOffsets);
  return {
    value,
    offsetOf: (obj) => offsets.get(obj),
    position: (offset) => positionIn(starts, offset),
  };
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

/** Convert a parse tree to plain values, iteratively (deep configs must not overflow the stack). */
function toValue(root: JsonNode, offsets: WeakMap<object, number>, nanOffsets: ReadonlySet<number>): unknown {
  const scalar = (n: JsonNode): unknown => {
    if (n.type === "number" && nanOffsets.has(n.offset)) return NaN;
    return n.value;
  };
  if (root.type !== "object" && root.type !== "array") return scalar(root);
  const make = (n: JsonNode): object => {
    const o: object = n.type === "object" ? Object.create(null) : [];
    offsets.set(o, n.offset);
    return o;
  };
  const top = make(root);
  const stack: Array<{ node: JsonNode; target: object }> = [{ node: root, target: top }];
  while (stack.length > 0) {
    const { node, target } = stack.pop()!;
    if (node.type === "array") {
      const arr = target as unknown[];
      for (const child of node.children ?? []) {
        if (child.type === "object" || child.type === "array") {
          const o = make(child);
          arr.push(o);
          stack.push({ node: child, target: o });
        } else arr.push(scalar(child));
      }
    } else {
      const obj = target as Record<string, unknown>;
      for (const prop of node.children ?? []) {
        const key = prop.children?.[0]?.value as string;
        const child = prop.children?.[1];
        if (child === undefined) continue;
        if (child.type === "object" || child.type === "array") {
          const o = make(child);
          obj[key] = o;
          stack.push({ node: child, target: o });
        } else obj[key] = scalar(child);
      }
    }
  }
  return top;
}

/** RFC 6901 JSON pointer from path segments. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
