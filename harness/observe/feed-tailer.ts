/**
 * Tails the Vault double's JSONL feed (docs/architecture.md, "Feed lines"):
 * fs.watch plus incremental reads from the last offset, so each line is
 * delivered once, in file order. A partial last line (a writer mid-append)
 * waits for its newline. A file that does not exist yet is waited for.
 *
 * A slow periodic re-read backs up fs.watch, which may coalesce or miss
 * notifications; it only paces reads, nothing waits on it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface FeedLine {
  t: number;
  server: string;
  event: string;
  [field: string]: unknown;
}

export interface FeedTailerOptions {
  path: string;
  /** backup re-read interval; default 250 ms */
  pollMs?: number;
}

export class FeedTailer {
  private offset = 0;
  private remainder = Buffer.alloc(0);
  private handle: FileHandle | undefined;
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly listeners = new Set<(line: FeedLine) => void>();
  /** complete lines that were not a feed object (counted, never fatal) */
  badLines = 0;

  constructor(private readonly options: FeedTailerOptions) {}

  onLine(listener: (line: FeedLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    this.stopped = false;
    const poke = () => void this.read();
    try {
      this.watchers.push(watch(dirname(this.options.path), (_type, name) => {
        if (name === null || name === basename(this.options.path)) poke();
      }));
    } catch {
      // the directory may not exist yet; the periodic re-read covers it
    }
    this.timer = setInterval(poke, this.options.pollMs ?? 250);
    this.timer.unref();
    await this.read();
  }

  /** Reads everything written so far (call before collecting results). */
  async flush(): Promise<void> {
    await this.read();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer) clearInterval(this.timer);
    await this.reading;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  /** One read at a time; a request during a read schedules exactly one more. */
  private read(): Promise<void> {
    if (this.stopped && !this.handle) return Promise.resolve();
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await this.readNewBytes();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readNewBytes(): Promise<void> {
    if (!this.handle) {
      try {
        this.handle = await open(this.options.path, 'r');
      } catch {
        return; // not there yet
      }
    }
    const { size } = await this.handle.stat();
    if (size < this.offset) {
      // truncated or replaced: start over rather than read garbage
      this.offset = 0;
      this.remainder = Buffer.alloc(0);
    }
    while (this.offset < size) {
      const chunk = Buffer.alloc(Math.min(size - this.offset, 1 << 20));
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      this.consume(chunk.subarray(0, bytesRead));
    }
  }

  private consume(bytes: Buffer): void {
    let data = this.remainder.length ? Buffer.concat([this.remainder, bytes]) : bytes;
    let nl: number;
    while ((nl = data.indexOf(0x0a)) >= 0) {
      const text = data.subarray(0, nl).toString('utf8').trim();
      data = data.subarray(nl + 1);
      if (text !== '') this.deliver(text);
    }
    this.remainder = Buffer.from(data);
  }

  private deliver(text: string): void {
    let line: FeedLine;
    try {
      line = JSON.parse(text) as FeedLine;
    } catch {
      this.badLines++;
      return;
    }
    if (typeof line !== 'object' || line === null || typeof line.t !== 'number' || typeof line.event !== 'string' || typeof line.server !== 'string') {
      this.badLines++;
      return;
    }
    for (const listener of this.listeners) listener(line);
  }
}
