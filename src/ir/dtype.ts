/**
 * Element types. Names follow ONNX `TensorProto.DataType` in lower case; the numeric codes are
 * the enum values of onnx.proto (IR 14, onnx 1.23 dev): FLOAT=1 ... UINT2=25, INT2=26.
 */
export const DTYPE_BY_CODE = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
  14: "complex64",
  15: "complex128",
  16: "bfloat16",
  17: "float8e4m3fn",
  18: "float8e4m3fnuz",
  19: "float8e5m2",
  20: "float8e5m2fnuz",
  21: "uint4",
  22: "int4",
  23: "float4e2m1",
  24: "float8e8m0",
  25: "uint2",
  26: "int2",
} as const;

/** An element type name. */
export type DType = (typeof DTYPE_BY_CODE)[keyof typeof DTYPE_BY_CODE] | "undefined";

/** The dtype for an ONNX `TensorProto.DataType` code, or `null` for an unknown code. */
export function dtypeFromOnnx(code: number): DType | null {
  if (code === 0) return "undefined";
  return (DTYPE_BY_CODE as Record<number, DType>)[code] ?? null;
}

/** The ONNX code of a dtype (0 for "undefined"). */
export function onnxCodeOf(dtype: DType): number {
  for (const [code, name] of Object.entries(DTYPE_BY_CODE)) if (name === dtype) return Number(code);
  return 0;
}

/** Bits per element; sub-byte types pack, strings are variable (0). */
export function bitsOf(dtype: DType): number {
  switch (dtype) {
    case "bool":
    case "uint8":
    case "int8":
    case "float8e4m3fn":
    case "float8e4m3fnuz":
    case "float8e5m2":
    case "float8e5m2fnuz":
    case "float8e8m0":
      return 8;
    case "uint16":
    case "int16":
    case "float16":
    case "bfloat16":
      return 16;
    case "float32":
    case "int32":
    case "uint32":
      return 32;
    case "float64":
    case "int64":
    case "uint64":
    case "complex64":
      return 64;
    case "complex128":
      return 128;
    case "uint4":
    case "int4":
    case "float4e2m1":
      return 4;
    case "uint2":
    case "int2":
      return 2;
    case "string":
    case "undefined":
      return 0;
  }
}

/** True for the integer element types (shape tensors are int64, sometimes int32). */
export function isIntegerType(dtype: DType | null): boolean {
  return dtype !== null && /^u?int\d+$/.test(dtype);
}
