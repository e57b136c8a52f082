/**
 * The admissible sizes of each input symbol: from the smallest size for which every size in
 * the graph stays positive (a pool of 1 gives 0). Conditions and smallest failing sizes are
 * stated over this domain, so a U-Net whose skip fails for odd sizes reports 5, not 1 (where
 * it would not even reach the skip).
 */
import { smallestSatisfying } from "../ir/dim-compare.js";
import { type Dim, symbolsOf } from "../ir/dim.js";
import type { ShapeResult } from "../shapes/propagate.js";

const cache = new WeakMap<ShapeResult, Readonly<Record<string, number>>>();

/** Smallest admissible value per symbol (symbols without constraints are absent: they start at 1). */
export function sizeDomain(result: ShapeResult): Readonly<Record<string, number>> {
  const hit = cache.get(result);
  if (hit) return hit;
  const bySymbol = new Map<string, { dim: Dim; min: number }[]>();
  for (const c of result.constraints) {
    const syms = symbolsOf(c.dim);
    if (syms.size !== 1) continue;
    const s = [...syms][0]!;
    (bySymbol.get(s) ?? bySymbol.set(s, []).get(s)!).push({ dim: c.dim, min: c.min });
  }
  const out: Record<string, number> = {};
  for (const [s, list] of bySymbol) {
    const n = smallestSatisfying(list, s);
    if (n !== null && n > 1) out[s] = n;
  }
  cache.set(result, out);
  return out;
}
