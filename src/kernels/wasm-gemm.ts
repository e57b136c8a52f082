/**
 * The GEMM micro-kernel as a WebAssembly SIMD function, assembled at load time from the
 * instruction bytes below (no binary blob, no external toolchain).
 *
 * Why: a scalar JavaScript micro-kernel tops out near 4 GFLOP/s here (V8 keeps one double per
 * register and spills a 4x4 accumulator block), which is about 2.5x TF.js's CPU backend; the
 * same loop over `f32x4` lanes runs ~9x faster. The JS kernel in `gemm.ts` stays as the
 * fallback where WebAssembly SIMD is missing and as the cross-check in tests.
 *
 * Function `macro(mc, nc, kc, ap, bp, c, ldc)` (all i32; pointers and `ldc` in bytes):
 * for every MR-row strip of packed A (at `ap`, strip stride `kc*MR*4`) and every NR-column strip
 * of packed B (at `bp`, strip stride `kc*NR*4`), `C[strip] += A_strip * B_strip` where C is
 * row-major at `c` with row stride `ldc`. `mc`/`nc` are multiples of MR/NR (callers pad).
 * Packed layouts: A strip = kc groups of MR floats (one column of the strip per k);
 * B strip = kc groups of NR floats (one row of the strip per k).
 */

/** Rows of the micro-tile. */
export const WASM_MR = 4;
/** Columns of the micro-tile (two f32x4 vectors). */
export const WASM_NR = 8;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const b = Array.from(new TextEncoder().encode(s));
  return [...uleb(b.length), ...b];
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...uleb(bytes.length), ...bytes];
}

// Opcodes (WebAssembly core 2.0 + fixed-width SIMD).
const I32 = 0x7f;
const V128 = 0x7b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_MUL = 0x6c;
const I32_LT_U = 0x49;
const LOOP_VOID = [0x03, 0x40];
const END = 0x0b;
const BR_IF_0 = [0x0d, 0x00];
const SIMD = 0xfd;

const get = (i: number): number[] => [LOCAL_GET, ...uleb(i)];
const set = (i: number): number[] => [LOCAL_SET, ...uleb(i)];
const tee = (i: number): number[] => [LOCAL_TEE, ...uleb(i)];
const i32 = (v: number): number[] => [I32_CONST, ...sleb(v)];
/** v128.load with 16-byte alignment hint and a constant offset. */
const v128Load = (off: number): number[] => [SIMD, ...uleb(0x00), 4, ...uleb(off)];
const v128Store = (off: number): number[] => [SIMD, ...uleb(0x0b), 4, ...uleb(off)];
/** v128.load32_splat: one float broadcast to four lanes. */
const load32Splat = (off: number): number[] => [SIMD, ...uleb(0x09), 2, ...uleb(off)];
const v128Zero = (): number[] => [SIMD, ...uleb(0x0c), ...new Array<number>(16).fill(0)];
const F32X4_ADD = [SIMD, ...uleb(0xe4)];
const F32X4_MUL = [SIMD, ...uleb(0xe6)];

/** The module bytes: one exported memory `mem` and one function `macro`. */
export function buildGemmModule(): Uint8Array {
  const MR = WASM_MR;
  const NR = WASM_NR;
  // params 0..6: mc, nc, kc, ap, bp, c, ldc
  const P_MC = 0;
  const P_NC = 1;
  const P_KC = 2;
  const P_AP = 3;
  const P_BP = 4;
  const P_C = 5;
  const P_LDC = 6;
  // i32 locals
  const L_JR = 7;
  const L_IR = 8;
  const L_K = 9;
  const L_A = 10;
  const L_B = 11;
  const L_CROW = 12;
  const N_I32_LOCALS = 6;
  // v128 locals: MR*2 accumulators, two B vectors, one broadcast A value
  const ACC = 13;
  const B0 = ACC + MR * 2;
  const B1 = B0 + 1;
  const AV = B1 + 1;
  const N_V128_LOCALS = MR * 2 + 3;

  const b: number[] = [];
  const emit = (...parts: number[][]): void => {
    for (const p of parts) b.push(...p);
  };

  emit(i32(0), set(L_JR));
  emit(LOOP_VOID); // over NR-column strips
  emit(i32(0), set(L_IR));
  emit(LOOP_VOID); // over MR-row strips
  for (let r = 0; r < MR * 2; r++) emit(v128Zero(), set(ACC + r));
  // a = ap + ir*kc*4 (strip stride kc*MR floats, ir counts rows); b = bp + jr*kc*4
  emit(get(P_AP), get(L_IR), get(P_KC), [I32_MUL], i32(4), [I32_MUL], [I32_ADD], set(L_A));
  emit(get(P_BP), get(L_JR), get(P_KC), [I32_MUL], i32(4), [I32_MUL], [I32_ADD], set(L_B));
  emit(get(P_KC), set(L_K));
  emit(LOOP_VOID); // over k
  emit(get(L_B), v128Load(0), set(B0), get(L_B), v128Load(16), set(B1));
  for (let r = 0; r < MR; r++) {
    emit(get(L_A), load32Splat(4 * r), set(AV));
    emit(get(ACC + 2 * r), get(AV), get(B0), F32X4_MUL, F32X4_ADD, set(ACC + 2 * r));
    emit(get(ACC + 2 * r + 1), get(AV), get(B1), F32X4_MUL, F32X4_ADD, set(ACC + 2 * r + 1));
  }
  emit(get(L_A), i32(4 * MR), [I32_ADD], set(L_A));
  emit(get(L_B), i32(4 * NR), [I32_ADD], set(L_B));
  emit(get(L_K), i32(1), [I32_SUB], tee(L_K), BR_IF_0);
  emit([END]);
  // C rows: crow = c + ir*ldc + jr*4; C += acc
  emit(get(P_C), get(L_IR), get(P_LDC), [I32_MUL], [I32_ADD], get(L_JR), i32(4), [I32_MUL], [I32_ADD], set(L_CROW));
  for (let r = 0; r < MR; r++) {
    emit(get(L_CROW), get(L_CROW), v128Load(0), get(ACC + 2 * r), F32X4_ADD, v128Store(0));
    emit(get(L_CROW), get(L_CROW), v128Load(16), get(ACC + 2 * r + 1), F32X4_ADD, v128Store(16));
    if (r < MR - 1) emit(get(L_CROW), get(P_LDC), [I32_ADD], set(L_CROW));
  }
  emit(get(L_IR), i32(MR), [I32_ADD], tee(L_IR), get(P_MC), [I32_LT_U], BR_IF_0);
  emit([END]);
  emit(get(L_JR), i32(NR), [I32_ADD], tee(L_JR), get(P_NC), [I32_LT_U], BR_IF_0);
  emit([END]);

  const locals = [...uleb(2), ...uleb(N_I32_LOCALS), I32, ...uleb(N_V128_LOCALS), V128];
  const body = [...locals, ...b, END];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, ...uleb(1)]),
    ...section(7, [2, ...name("macro"), 0, 0, ...name("mem"), 2, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return Uint8Array.from(bytes);
}

/** The part of a `WebAssembly.Memory` used here (the project's `lib` has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The part of the global `WebAssembly` object used here. */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** The instantiated kernel. */
export interface WasmGemm {
  readonly memory: WasmMemory;
  readonly macro: (mc: number, nc: number, kc: number, ap: number, bp: number, c: number, ldc: number) => void;
}

let cached: WasmGemm | null | undefined;

/**
 * Instantiate the module once (synchronously: it is a few hundred bytes). Returns `null` when
 * this runtime has no WebAssembly SIMD.
 */
export function wasmGemm(): WasmGemm | null {
  if (cached !== undefined) return cached;
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = buildGemmModule();
    if (wasm === undefined || !wasm.validate(bytes)) {
      cached = null;
      return null;
    }
    const inst = new wasm.Instance(new wasm.Module(bytes), {});
    const ex = inst.exports as { macro: WasmGemm["macro"]; mem: WasmMemory };
    cached = { memory: ex.mem, macro: ex.macro };
  } catch {
    cached = null;
  }
  return cached;
}
