/** Shared assertions of the kernel tests. */
import { expect } from "vitest";

/**
 * Assert `|got - want| <= atol + rtol * |want|` elementwise (NaN matches NaN, infinities match
 * exactly); the message names the first failing index and the count of failures.
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what = ""): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let bad = 0;
  let first = -1;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    if (Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= atol + rtol * Math.abs(w)) continue;
    bad++;
    if (first < 0) first = i;
    worst = Math.max(worst, Math.abs(g - w));
  }
  if (bad > 0) {
    expect.fail(`${what}: ${bad}/${want.length} elements differ; first at ${first}: got ${got[first]}, want ${want[first]}; worst abs diff ${worst}`);
  }
}
