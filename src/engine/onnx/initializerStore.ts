/** Where initializer bytes go: inline in the model, or appended to an external data file. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The TensorProto fields that locate one initializer's bytes. */
export interface StoredBytes {
  readonly rawData?: Uint8Array;
  readonly externalData?: { key: string; value: string }[];
  readonly dataLocation?: number;
}

/** Keeps small initializers inline and streams large ones to `<model>.data`, 64-byte aligned. */
export class InitializerStore {
  private fd: number | undefined;
  private offset = 0;
  private external = false;
  private readonly named = new Map<string, StoredBytes>();

  /**
   * @param dataPath external data file to write, or undefined to keep everything inline
   * @param location the file name the model records (the data file's final name)
   * @param inlineLimit tensors up to this many bytes stay inline even when a data file is used
   */
  constructor(
    private readonly dataPath: string | undefined,
    private readonly location = dataPath ? path.basename(dataPath) : '',
    private readonly inlineLimit = 1024,
  ) {}

  /** Stores one tensor's bytes and returns how the TensorProto should reference them. */
  store(bytes: Uint8Array): StoredBytes {
    if (this.dataPath === undefined || bytes.byteLength <= this.inlineLimit) {
      return { rawData: bytes };
    }
    if (this.fd === undefined) this.fd = fs.openSync(this.dataPath, 'w');
    this.external = true;
    // Alignment lets runtimes memory-map tensors directly.
    const pad = (64 - (this.offset % 64)) % 64;
    if (pad) fs.writeSync(this.fd, new Uint8Array(pad), 0, pad, this.offset);
    this.offset += pad;
    let written = 0;
    while (written < bytes.byteLength) {
      written += fs.writeSync(
        this.fd,
        bytes,
        written,
        bytes.byteLength - written,
        this.offset + written,
      );
    }
    const at = this.offset;
    this.offset += bytes.byteLength;
    return {
      dataLocation: 1,
      externalData: [
        { key: 'location', value: this.location },
        { key: 'offset', value: String(at) },
        { key: 'length', value: String(bytes.byteLength) },
      ],
    };
  }

  /**
   * Stores a named model weight once: later graphs of the same model (the split prompt and
   * query graphs) that add the same name reference the bytes already written.
   */
  storeNamed(name: string, bytes: () => Uint8Array): StoredBytes {
    let stored = this.named.get(name);
    if (!stored) {
      stored = this.store(bytes());
      this.named.set(name, stored);
    }
    return stored;
  }

  /** Whether any tensor went to the external file. */
  get usedExternal(): boolean {
    return this.external;
  }

  /** Flushes and closes the external file. */
  close(): void {
    if (this.fd !== undefined) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
