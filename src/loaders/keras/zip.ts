/**
 * `.keras` archives (Keras 3, tf.keras 2.12-2.15): a zip with `config.json` (the model config),
 * `metadata.json` (`{keras_version, date_saved}`) and `model.weights.h5` (KERAS_JSON.md section
 * 6). Read with yauzl's random access: the central directory, then only the two small JSON
 * members. The weights member is never opened, so a 2 GB model costs a few reads.
 */
import { open as openFile } from "node:fs/promises";
import yauzl from "yauzl";
import { LoadError } from "../load-error.js";

/** The JSON members of a `.keras` archive. */
export interface KerasArchive {
  /** Text of `config.json`. */
  readonly config: string;
  /** Text of `metadata.json`, when present and small. */
  readonly metadata: string | null;
}

/** `metadata.json` is a few dozen bytes; anything much larger is not Keras' metadata. */
const METADATA_LIMIT = 1 << 20;
/** Refuse to buffer absurd config members (Keras configs are KB to a few MB). */
const CONFIG_LIMIT = 1 << 30;

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, what: string): Promise<string> {
  try {
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const truncated = /EOF|end of file|out of range|beyond/i.test(msg);
    throw new LoadError(truncated ? "TRUNCATED" : "MALFORMED", `cannot read ${what} from the zip archive: ${msg}`, { byteOffset: entry.relativeOffsetOfLocalHeader });
  }
}

/** Whether the file starts with a local file header (so a missing end record means a cut-off file). */
async function startsWithLocalHeader(path: string): Promise<boolean> {
  const fh = await openFile(path, "r");
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return bytesRead === 4 && buf.readUInt32LE(0) === 0x04034b50;
  } finally {
    await fh.close();
  }
}

/**
 * Read `config.json` (and `metadata.json`) of a `.keras` archive. Throws {@link LoadError}:
 * `TRUNCATED` / `MALFORMED` for a damaged zip (with a byte offset), `NO_MODEL_CONFIG` when the
 * archive has no `config.json`.
 */
export async function readKerasArchive(path: string, size: number): Promise<KerasArchive> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/end of central directory record signature not found/i.test(msg)) {
      const cut = await startsWithLocalHeader(path).catch(() => false);
      throw new LoadError(
        cut ? "TRUNCATED" : "MALFORMED",
        cut
          ? `zip archive is cut off: it starts with a zip member but its end-of-central-directory record is missing (${size} bytes)`
          : `not a readable zip archive: no end-of-central-directory record (${size} bytes)`,
        { byteOffset: size },
      );
    }
    const m = /(?:offset|at) (\d+)/.exec(msg);
    throw new LoadError("MALFORMED", `not a readable zip archive: ${msg}`, { byteOffset: m ? Number(m[1]) : 0 });
  }
  try {
    let config: yauzl.Entry | null = null;
    let metadata: yauzl.Entry | null = null;
    const names: string[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        names.push(entry.fileName);
        if (entry.fileName === "config.json") config = entry;
        else if (entry.fileName === "metadata.json") metadata = entry;
      }
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      // yauzl's cursor is the offset of the central-directory record it failed to read.
      const at = (zip as unknown as { readEntryCursor: unknown }).readEntryCursor;
      throw new LoadError("MALFORMED", `not a readable zip archive: ${msg}`, { byteOffset: typeof at === "number" ? at : size });
    }
    if (config === null) {
      const shown = names.slice(0, 8).join(", ") + (names.length > 8 ? `, ... (${names.length} members)` : "");
      throw new LoadError(
        "NO_MODEL_CONFIG",
        `zip archive has no config.json, so it is not a Keras .keras model (members: ${shown || "none"})`,
        { byteOffset: 0 },
      );
    }
    if (config.uncompressedSize > CONFIG_LIMIT) {
      throw new LoadError("MALFORMED", `config.json claims ${config.uncompressedSize} bytes, far more than any Keras config`, { byteOffset: config.relativeOffsetOfLocalHeader });
    }
    const configText = await readEntry(zip, config, "config.json");
    let metadataText: string | null = null;
    if (metadata !== null && metadata.uncompressedSize <= METADATA_LIMIT) {
      metadataText = await readEntry(zip, metadata, "metadata.json").catch(() => null);
    }
    return { config: configText, metadata: metadataText };
  } finally {
    zip.close();
  }
}
