import { once } from "node:events";
import type { Writable } from "node:stream";

export interface HistorySpec {
  readonly commits: number;
  readonly files: number;
  /** Size of each file in the first commit (rounded down to whole lines). */
  readonly fileBytes: number;
  /** Bytes of new content each later commit writes into each file it touches. */
  readonly changeBytes: number;
  readonly filesPerCommit: number;
  /** Seeds the generator: the same spec always yields the same repository. */
  readonly seed?: number;
}

const LINE_CHARS = 76;
const LINE_BYTES = LINE_CHARS + 1;
const ALPHABET = Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
const FILES_PER_DIR = 50;
const EPOCH = 1_700_000_000;

/** mulberry32: small, fast, and good enough to make content that does not compress away. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Lines of base64-like text: source-code-shaped, but as incompressible as a real repo's history. */
function fillLines(target: Buffer, offset: number, lines: number, random: () => number): void {
  for (let l = 0; l < lines; l++) {
    const start = offset + l * LINE_BYTES;
    for (let c = 0; c < LINE_CHARS; c += 5) {
      let r = random();
      for (let k = 0; k < 5 && c + k < LINE_CHARS; k++, r >>>= 6) target[start + c + k] = ALPHABET[r & 63] as number;
    }
    target[start + LINE_CHARS] = 0x0a;
  }
}

function filePath(index: number): string {
  return `src/module-${String(Math.floor(index / FILES_PER_DIR)).padStart(3, "0")}/file-${String(index).padStart(5, "0")}.txt`;
}

/**
 * Writes a `git fast-import` stream of `spec.commits` commits on refs/heads/main:
 * the first adds every file, each later one rewrites a block of lines in a few
 * files. Honors back-pressure, so memory stays at the files' current contents
 * plus what the stream has buffered.
 */
export async function writeHistory(out: Writable, spec: HistorySpec): Promise<void> {
  const random = generator(spec.seed ?? 42);
  const linesPerFile = Math.max(1, Math.floor(spec.fileBytes / LINE_BYTES));
  const changeLines = Math.min(linesPerFile, Math.max(1, Math.round(spec.changeBytes / LINE_BYTES)));
  const contents = Array.from({ length: spec.files }, () => {
    const buffer = Buffer.alloc(linesPerFile * LINE_BYTES);
    fillLines(buffer, 0, linesPerFile, random);
    return buffer;
  });
  const write = async (chunk: string | Buffer): Promise<void> => {
    if (!out.write(chunk)) await once(out, "drain");
  };
  for (let n = 0; n < spec.commits; n++) {
    const touched =
      n === 0 ? contents.map((_, i) => i) : Array.from({ length: spec.filesPerCommit }, () => random() % spec.files);
    for (const file of n === 0 ? [] : touched) {
      const offset = (random() % (linesPerFile - changeLines + 1)) * LINE_BYTES;
      fillLines(contents[file] as Buffer, offset, changeLines, random);
    }
    const message = n === 0 ? "Initial import\n" : `Change ${touched.map(filePath).join(", ")}\n`;
    const when = `${EPOCH + n * 60} +0000`;
    await write(
      `commit refs/heads/main\nauthor Bench <bench@example.invalid> ${when}\ncommitter Bench <bench@example.invalid> ${when}\ndata ${Buffer.byteLength(message)}\n${message}`,
    );
    for (const file of new Set(touched)) {
      const content = contents[file] as Buffer;
      await write(`M 100644 inline ${filePath(file)}\ndata ${content.length}\n`);
      // A copy: the stream may still hold the chunk when a later commit rewrites the file in place.
      await write(Buffer.from(content));
      await write("\n");
    }
    await write("\n");
  }
  await write("done\n");
}
