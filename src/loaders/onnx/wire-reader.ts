/**
 * Protobuf wire-format reading at absolute byte positions, over either an in-memory buffer or a
 * file read through a small sliding window (`fs.readSync` at offsets). Length-delimited fields
 * that the caller does not want (tensor payloads) are skipped by moving the position, so their
 * bytes are never read from disk: a 300 MB model costs a few MB of reads.
 *
 * Every read is bounded by the enclosing message's end, so garbage input cannot make a loop run
 * past the file or forever: each tag read advances by at least one byte.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { LoadError } from "../load-error.js";

/** Protobuf wire types (the low 3 bits of a tag). */
export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

/** Random access to the bytes of a model. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * A view starting at `offset` that covers at least `[offset, offset + length)` (clamped to
   * the size) and may extend further. It is only valid until the next call, so one
   * {@link WireReader} should own a source. Implementations return Node Buffers.
   */
  view(offset: number, length: number): Uint8Array;
  /** Bytes actually read from storage so far (statistics, for tests and the benchmark). */
  readonly bytesRead: number;
  close(): void;
}

/** A source over bytes already in memory. */
export class BufferSource implements ByteSource {
  readonly size: number;
  private readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    // A Buffer view over the same memory (no copy): strings decode natively from it. Copies out
    // of it are always made with the Uint8Array copy constructor, never Buffer's view-`slice`.
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    this.size = bytes.length;
  }
  view(offset: number, length: number): Uint8Array {
    void length;
    return this.bytes.subarray(offset);
  }
  get bytesRead(): number {
    return 0;
  }
  close(): void {}
}

/** Largest window refill; longer single reads get their own buffer. */
const MAX_WINDOW = 64 * 1024;
/** Refill size after a jump (a skipped payload): the next record header is usually tiny. */
const MIN_WINDOW = 1024;
/** A refill this close after the window's end still counts as sequential reading. */
const SEQUENTIAL_GAP = 256;

/**
 * A source over a file, read through a window. A refill that continues where the previous one
 * ended doubles the window (sequential structure such as a node list); a refill after a jump
 * (a skipped weight payload) starts small again, so skipping costs one short read per tensor.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  private readonly fd: number;
  // A Buffer, so that strings decode natively from it without creating views.
  private win: Uint8Array = Buffer.allocUnsafeSlow(MAX_WINDOW);
  private winStart = 0;
  private winLen = 0;
  private nextSize = MIN_WINDOW / 2;
  private read = 0;

  constructor(path: string) {
    this.fd = openSync(path, "r");
    try {
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  get bytesRead(): number {
    return this.read;
  }

  view(offset: number, length: number): Uint8Array {
    const want = Math.max(0, Math.min(length, this.size - offset));
    if (offset >= this.winStart && offset + want <= this.winStart + this.winLen) {
      return this.win.subarray(offset - this.winStart, this.winLen);
    }
    // A record straddling the window end (or starting just after it) continues a sequential
    // scan: grow the window. Anything else is a jump over a skipped payload: start small.
    const winEnd = this.winStart + this.winLen;
    const sequential = this.winLen > 0 && offset >= this.winStart && offset <= winEnd + SEQUENTIAL_GAP;
    this.nextSize = sequential ? Math.min(MAX_WINDOW, this.nextSize * 2) : MIN_WINDOW;
    const n = Math.min(Math.max(want, this.nextSize), this.size - offset);
    const buf = n <= MAX_WINDOW ? this.win : Buffer.allocUnsafeSlow(n);
    const got = n > 0 ? readFully(this.fd, buf, n, offset) : 0;
    this.read += got;
    if (buf === this.win) {
      this.winStart = offset;
      this.winLen = got;
    }
    return buf.subarray(0, got);
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readFully(fd: number, buf: Uint8Array, n: number, position: number): number {
  let got = 0;
  while (got < n) {
    const k = readSync(fd, buf, got, n - got, position + got);
    if (k === 0) break;
    got += k;
  }
  return got;
}

/**
 * A cursor over a {@link ByteSource}. Callers pass the end of the message they are reading, so
 * every read is checked against it; a length running past the end of the file is `TRUNCATED`,
 * one running past its enclosing message but not the file is `MALFORMED`.
 */
export class WireReader {
  readonly src: ByteSource;
  /** Current absolute position. */
  pos = 0;
  /** Field number, wire type and start offset of the last tag read. */
  field = 0;
  wire = 0;
  tagPos = 0;
  /** Low and high 32 bits of the last varint read. */
  lo = 0;
  hi = 0;

  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;

  constructor(src: ByteSource) {
    this.src = src;
  }

  private byteAt(pos: number): number {
    const i = pos - this.bufStart;
    if (i >= 0 && i < this.buf.length) return this.buf[i]!;
    this.buf = this.src.view(pos, 16);
    this.bufStart = pos;
    return this.buf[0]!;
  }

  /**
   * Make the cached buffer cover `[pos, pos + n)` and return the index of `pos` in it. All
   * access to the source goes through here so that the cached view is never stale.
   */
  private cover(pos: number, n: number): number {
    const i = pos - this.bufStart;
    if (i >= 0 && i + n <= this.buf.length) return i;
    this.buf = this.src.view(pos, n);
    this.bufStart = pos;
    return 0;
  }

  /**
   * Make `[pos, pos + n)` readable in place: returns the current buffer and the index of `pos`
   * in it (valid until the next read through this reader). Avoids creating a view.
   */
  region(pos: number, n: number): { buf: Uint8Array; at: number } {
    const at = this.cover(pos, n);
    return { buf: this.buf, at };
  }

  /** The bytes `[pos, pos + n)` as a view (valid until the next read through this reader). */
  viewAt(pos: number, n: number): Uint8Array {
    const i = this.cover(pos, n);
    return this.buf.subarray(i, i + n);
  }

  /** Error for a read that would pass `end`. */
  pastEnd(what: string, at: number, need: number, end: number): LoadError {
    if (need > this.src.size) {
      return new LoadError(
        "TRUNCATED",
        `${what} needs bytes up to ${need} but the file ends at byte ${this.src.size} (truncated file?)`,
        { byteOffset: at },
      );
    }
    return new LoadError("MALFORMED", `${what} runs past the end of its enclosing message (byte ${end})`, { byteOffset: at });
  }

  /** Read a varint into `lo`/`hi` (at most 10 bytes, checked against `end`). */
  varint(end: number): void {
    // Fast path: a one-byte varint inside the cached buffer (most tags, lengths and small ints).
    const p = this.pos;
    const i = p - this.bufStart;
    if (p < end && i >= 0 && i < this.buf.length) {
      const b = this.buf[i]!;
      if (b < 0x80) {
        this.lo = b;
        this.hi = 0;
        this.pos = p + 1;
        return;
      }
    }
    this.varintSlow(end);
  }

  private varintSlow(end: number): void {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    let pos = this.pos;
    for (let i = 0; ; i++) {
      if (pos >= end) throw this.pastEnd("varint", start, end + 1, end);
      const b = this.byteAt(pos++);
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else {
        if (i === 9 && b > 1) throw new LoadError("MALFORMED", "varint overflows 64 bits", { byteOffset: start });
        hi |= (b & 0x7f) << (7 * i - 32);
      }
      if ((b & 0x80) === 0) break;
      if (i === 9) throw new LoadError("MALFORMED", "varint longer than 10 bytes", { byteOffset: start });
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.pos = pos;
  }

  /** The last varint as an unsigned number (approximate beyond 2^53). */
  get uint(): number {
    return this.hi * 4294967296 + this.lo;
  }

  /** The last varint as a signed 64-bit number (approximate beyond 2^53). */
  get int64(): number {
    return this.hi >= 0x80000000 ? (this.hi - 4294967296) * 4294967296 + this.lo : this.hi * 4294967296 + this.lo;
  }

  /** The last varint truncated to a signed 32-bit integer, as protobuf does for int32. */
  get int32(): number {
    return this.lo | 0;
  }

  /** Read a tag; `false` at `end`. Rejects field 0 and the group / invalid wire types. */
  tag(end: number, message: string): boolean {
    const p = this.pos;
    if (p >= end) return false;
    this.tagPos = p;
    // Fast path: a one-byte tag (fields 1..15) with a valid wire type, inside the cached buffer.
    const i = p - this.bufStart;
    if (i >= 0 && i < this.buf.length) {
      const b = this.buf[i]!;
      const w = b & 7;
      if (b < 0x80 && b >= 8 && (w === WT_LEN || w === WT_VARINT || w === WT_I32 || w === WT_I64)) {
        this.field = b >>> 3;
        this.wire = w;
        this.pos = p + 1;
        return true;
      }
    }
    this.varint(end);
    if (this.hi >= 4) throw new LoadError("MALFORMED", `bad field tag in ${message}`, { byteOffset: this.tagPos });
    const v = this.uint;
    this.field = Math.floor(v / 8);
    this.wire = v & 7;
    if (this.field === 0) throw new LoadError("MALFORMED", `field number 0 in ${message} (not a valid protobuf tag)`, { byteOffset: this.tagPos });
    if (this.wire !== WT_VARINT && this.wire !== WT_I64 && this.wire !== WT_LEN && this.wire !== WT_I32) {
      throw new LoadError("MALFORMED", `invalid wire type ${this.wire} for field ${this.field} of ${message}`, { byteOffset: this.tagPos });
    }
    return true;
  }

  /** Throw unless the last tag has wire type `wire`. */
  expect(wire: number, what: string): void {
    if (this.wire !== wire) {
      throw new LoadError("MALFORMED", `${what} (field ${this.field}) has wire type ${this.wire}, expected ${wire}`, { byteOffset: this.tagPos });
    }
  }

  /** Read a length prefix and return the payload's end; the position is left at its start. */
  len(end: number, what: string): number {
    this.varint(end);
    const n = this.uint;
    const stop = this.pos + n;
    if (stop > end) throw this.pastEnd(`${what} (${n} bytes)`, this.tagPos, stop, end);
    return stop;
  }

  /** Skip the value of the last tag. */
  skip(end: number, what: string): void {
    switch (this.wire) {
      case WT_VARINT:
        this.varint(end);
        return;
      case WT_I64:
        this.fixed(8, end, what);
        return;
      case WT_I32:
        this.fixed(4, end, what);
        return;
      case WT_LEN:
        this.pos = this.len(end, what);
        return;
    }
  }

  private fixed(n: number, end: number, what: string): number {
    const at = this.pos;
    if (at + n > end) throw this.pastEnd(what, this.tagPos, at + n, end);
    this.pos += n;
    return at;
  }

  /** A little-endian float32 (wire type 5). */
  float32(end: number, what: string): number {
    const at = this.fixed(4, end, what);
    const i = this.cover(at, 4);
    return (this.buf as Buffer).readFloatLE(i);
  }

  /** The bytes `[start, stop)`, copied out of the window. */
  bytes(start: number, stop: number): Uint8Array {
    return new Uint8Array(this.viewAt(start, stop - start));
  }

  /** A length-delimited UTF-8 string (the tag has been read). */
  string(end: number, what: string): string {
    const stop = this.len(end, what);
    const n = stop - this.pos;
    let s = "";
    if (n > 0) {
      const i = this.cover(this.pos, n);
      // Sources hand out Buffers: decode in place (invalid UTF-8 becomes U+FFFD, as TextDecoder does).
      s = (this.buf as Buffer).toString("utf8", i, i + n);
    }
    this.pos = stop;
    return s;
  }
}

/** Decode the packed varints of `bytes` into signed 64-bit values as (lo, hi) pairs. */
export function forEachPackedVarint(bytes: Uint8Array, at: number, fn: (lo: number, hi: number) => void): void {
  let p = 0;
  while (p < bytes.length) {
    let lo = 0;
    let hi = 0;
    const start = p;
    for (let i = 0; ; i++) {
      if (p >= bytes.length) throw new LoadError("MALFORMED", "packed varint runs past the end of its field", { byteOffset: at + start });
      const b = bytes[p++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) break;
      if (i === 9) throw new LoadError("MALFORMED", "varint longer than 10 bytes", { byteOffset: at + start });
    }
    fn(lo >>> 0, hi >>> 0);
  }
}
