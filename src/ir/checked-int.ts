/**
 * Overflow-checked integer arithmetic on JS numbers (exact up to 2^53). Shape arithmetic that
 * leaves the safe range is a bad model (an absurd dim), never a silently wrong result; the ONNX
 * C++ inference does the same with `checkedAdd`/`checkedMultiply` (onnx/defs/shape_inference.h).
 */

/** Thrown when a dim computation leaves the exactly representable integer range. */
export class DimOverflowError extends Error {
  override readonly name = "DimOverflowError";
  readonly code = "DIM_OVERFLOW";
}

function check(v: number, what: string): number {
  if (!Number.isSafeInteger(v)) throw new DimOverflowError(`integer overflow in ${what} (result ${v})`);
  return v;
}

/** a + b, checked. */
export function cadd(a: number, b: number): number {
  return check(a + b, `${a} + ${b}`);
}

/** a - b, checked. */
export function csub(a: number, b: number): number {
  return check(a - b, `${a} - ${b}`);
}

/** a * b, checked. */
export function cmul(a: number, b: number): number {
  return check(a * b, `${a} * ${b}`);
}

/** floor(a / b) for integers, exact (no floating-point rounding), b != 0. */
export function floorDivInt(a: number, b: number): number {
  if (b === 0) throw new DimOverflowError(`division by zero (${a} / 0)`);
  if (b < 0) return floorDivInt(-a, -b);
  const r = modInt(a, b);
  return check((a - r) / b, `floor(${a} / ${b})`);
}

/** ceil(a / b) for integers, exact, b != 0. */
export function ceilDivInt(a: number, b: number): number {
  return -floorDivInt(-a, b);
}

/** The mathematical modulus: result in [0, |b|). */
export function modInt(a: number, b: number): number {
  const m = Math.abs(b);
  const r = a % m;
  return r < 0 ? r + m : r;
}

/** Greatest common divisor of |a| and |b| (gcd(0, 0) = 0). */
export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Least common multiple, checked. */
export function lcm(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return cmul(Math.abs(a) / gcd(a, b), Math.abs(b));
}
