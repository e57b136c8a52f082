/**
 * Evaluate the dims of a finding at the sizes a run used. Findings are plain JSON (the machine
 * contract): a symbolic dim is the formula text `formatDim` writes (`2*floor(H/4)`,
 * `ceil(W/8) + 1`, `min(H, 7)`), so `verify` reads that text back instead of reaching into the
 * rules' internal objects. The grammar is small: integers, symbol names, `+`, `-`, `*`,
 * parentheses, `floor(a/b)`, `ceil(a/b)`, `min(...)` and `max(...)`.
 */
import type { JsonDim } from "../lint/finding.js";

/** Values of the symbols, by name. */
export type SizeEnv = ReadonlyMap<string, number>;

class Parser {
  private pos = 0;
  private readonly text: string;
  private readonly env: SizeEnv;
  /** Symbol names, longest first, so that a name containing another one is matched whole. */
  private readonly names: readonly string[];

  constructor(text: string, env: SizeEnv) {
    this.text = text;
    this.env = env;
    this.names = [...env.keys()].sort((a, b) => b.length - a.length);
  }

  private skip(): void {
    while (this.pos < this.text.length && this.text[this.pos] === " ") this.pos++;
  }

  private peek(): string {
    this.skip();
    return this.text[this.pos] ?? "";
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) throw new Error(`expected '${ch}' at ${this.pos} in '${this.text}'`);
    this.pos++;
  }

  parseAll(): number {
    const v = this.sum();
    this.skip();
    if (this.pos !== this.text.length) throw new Error(`unexpected '${this.text.slice(this.pos)}' in '${this.text}'`);
    return v;
  }

  private sum(): number {
    let v = this.unary();
    for (;;) {
      const c = this.peek();
      if (c === "+") {
        this.pos++;
        v += this.unary();
      } else if (c === "-") {
        this.pos++;
        v -= this.unary();
      } else return v;
    }
  }

  private unary(): number {
    if (this.peek() === "-") {
      this.pos++;
      return -this.unary();
    }
    return this.product();
  }

  private product(): number {
    let v = this.primary();
    while (this.peek() === "*") {
      this.pos++;
      v *= this.primary();
    }
    return v;
  }

  private primary(): number {
    const c = this.peek();
    if (c === "(") {
      this.pos++;
      const v = this.sum();
      this.expect(")");
      return v;
    }
    const rest = this.text.slice(this.pos);
    const num = /^\d+/.exec(rest);
    if (num) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    for (const fn of ["floor(", "ceil(", "min(", "max("]) {
      // A symbol may be called `min` too: a function is a name followed directly by '('.
      if (rest.startsWith(fn)) {
        this.pos += fn.length;
        if (fn === "floor(" || fn === "ceil(") {
          const a = this.sum();
          this.expect("/");
          const b = this.sum();
          this.expect(")");
          if (b === 0) throw new Error(`division by zero in '${this.text}'`);
          return fn === "floor(" ? Math.floor(a / b) : Math.ceil(a / b);
        }
        const args = [this.sum()];
        while (this.peek() === ",") {
          this.pos++;
          args.push(this.sum());
        }
        this.expect(")");
        return fn === "min(" ? Math.min(...args) : Math.max(...args);
      }
    }
    for (const name of this.names) {
      if (rest.startsWith(name)) {
        this.pos += name.length;
        return this.env.get(name) as number;
      }
    }
    throw new Error(`unknown symbol at '${rest}' in '${this.text}'`);
  }
}

/** The value of one JSON dim at the given sizes; `null` when unknown or not evaluable. */
export function evalJsonDim(d: JsonDim, env: SizeEnv): number | null {
  if (d === null) return null;
  if (typeof d === "number") return d;
  try {
    const v = new Parser(d, env).parseAll();
    return Number.isSafeInteger(v) ? v : null;
  } catch {
    return null;
  }
}

/** A JSON shape at the given sizes (unknown dims stay `null`); `null` for an unknown rank. */
export function evalJsonShape(shape: readonly JsonDim[] | null, env: SizeEnv): (number | null)[] | null {
  return shape === null ? null : shape.map((d) => evalJsonDim(d, env));
}
