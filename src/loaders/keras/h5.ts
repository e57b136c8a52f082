/**
 * Keras HDF5 model files (`model.save("x.h5")`): the graph is the root attribute `model_config`,
 * a JSON string written by h5py as variable-length UTF-8 (h5py 3) or fixed-length bytes (older
 * writers); `keras_version` and `backend` sit beside it (KERAS_JSON.md section 7). Files written
 * by `save_weights()` have no `model_config`. Read with h5wasm through the host file system, so
 * the weights are never loaded.
 */
import { open as openFile } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { LoadError } from "../load-error.js";

/** What a Keras HDF5 file says about its model. */
export interface KerasH5 {
  /** The `model_config` text, or `null` for a weights-only file. */
  readonly config: string | null;
  readonly kerasVersion: string | null;
  readonly backend: string | null;
  /** Names of the root attributes (for messages). */
  readonly attributes: readonly string[];
}

type H5 = typeof import("h5wasm/node");
let h5Promise: Promise<H5> | null = null;

/** h5wasm, loaded once; its HDF5 errors are thrown as JS errors instead of printed to stderr. */
async function h5wasm(): Promise<H5> {
  h5Promise ??= (async () => {
    const mod = await import("h5wasm/node");
    const module = await mod.ready;
    module.activate_throwing_error_handler();
    return mod;
  })();
  return h5Promise;
}

/**
 * The end-of-file address the HDF5 superblock records (versions 0-3), or `null` when the
 * superblock cannot be read. A file shorter than it is truncated.
 */
async function superblockEof(path: string): Promise<{ eof: bigint | null; version: number | null }> {
  const fh = await openFile(path, "r");
  try {
    const buf = Buffer.alloc(64);
    const { bytesRead } = await fh.read(buf, 0, 64, 0);
    if (bytesRead < 16) return { eof: null, version: null };
    const version = buf[8]!;
    // Superblock layout (HDF5 File Format Specification, section II.A): v0/v1 store the sizes of
    // offsets at byte 13 and the addresses from byte 24 (v0) or 28 (v1); v2/v3 at byte 9 and 12.
    const sizeOfOffsets = version <= 1 ? buf[13]! : buf[9]!;
    const base = version === 0 ? 24 : version === 1 ? 28 : 12;
    if (version > 3 || (sizeOfOffsets !== 8 && sizeOfOffsets !== 4)) return { eof: null, version };
    const at = base + 2 * sizeOfOffsets; // base address, then free-space/extension address, then EOF
    if (bytesRead < at + sizeOfOffsets) return { eof: null, version };
    const eof = sizeOfOffsets === 8 ? buf.readBigUInt64LE(at) : BigInt(buf.readUInt32LE(at));
    return { eof, version };
  } finally {
    await fh.close();
  }
}

function decode(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return new TextDecoder("utf-8").decode(v);
  if (Array.isArray(v) && v.length === 1) return decode(v[0]);
  return null;
}

/** Read the Keras attributes of an HDF5 file. Throws {@link LoadError} `TRUNCATED`/`MALFORMED` for damaged files. */
export async function readKerasH5(path: string, size: number): Promise<KerasH5> {
  const { eof } = await superblockEof(path);
  if (eof !== null && eof !== 0xffffffffffffffffn && eof > BigInt(size)) {
    throw new LoadError("TRUNCATED", `HDF5 file is cut off: its superblock says it ends at byte ${eof}, but it has ${size} bytes`, { byteOffset: size });
  }
  const h5 = await h5wasm();
  let file: InstanceType<H5["File"]>;
  try {
    file = new h5.File(resolvePath(path), "r");
  } catch (e) {
    throw new LoadError("MALFORMED", `not a readable HDF5 file: ${firstHdf5Line(e)}`, { byteOffset: 0 });
  }
  try {
    let attrs: Record<string, { value: unknown }>;
    try {
      attrs = file.attrs as unknown as Record<string, { value: unknown }>;
    } catch (e) {
      throw new LoadError("MALFORMED", `cannot read the root attributes of the HDF5 file: ${firstHdf5Line(e)}`, { byteOffset: 0 });
    }
    const names = Object.keys(attrs);
    const read = (name: string): string | null => {
      if (!names.includes(name)) return null;
      try {
        return decode(attrs[name]!.value);
      } catch (e) {
        throw new LoadError("MALFORMED", `cannot read HDF5 attribute '${name}': ${firstHdf5Line(e)}`, { byteOffset: 0 });
      }
    };
    return { config: read("model_config"), kerasVersion: read("keras_version"), backend: read("backend"), attributes: names };
  } finally {
    try {
      file.close();
    } catch {
      // closing a damaged file may fail again; the error that matters was thrown already
    }
  }
}

/** The most telling line of an HDF5 error stack ("unable to open file", "truncated file" ...). */
function firstHdf5Line(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const minor = /minor: ([^\n]+)/.exec(msg);
  const fn = /#\d+: [^\n]* in ([^\n]+)/.exec(msg);
  if (fn && minor) return `${fn[1]!.trim()} (${minor[1]!.trim()})`;
  return msg.split("\n").find((l) => l.trim() !== "")?.trim() ?? msg;
}
