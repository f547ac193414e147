// Reading a C file from disk for analysis: the size bound is checked before reading, NUL bytes mark
// a binary file, and text that is not valid UTF-8 is refused rather than silently mangled (the
// fatal decoder), so every file is either analysed as written or skipped with one clear reason.
import * as fs from 'fs';

export type SourceRead = { text: string; size: number; mtimeMs: number } | { skipped: string; io?: boolean };

const decoder = new TextDecoder('utf-8', { fatal: true });

export function readSourceFile(file: string, maxFileSize: number): SourceRead {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    return { skipped: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, io: true };
  }
  if (!stat.isFile()) return { skipped: 'not a regular file' };
  if (stat.size > maxFileSize) return { skipped: `larger than ${maxFileSize} bytes (--max-file-size)` };
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    return { skipped: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, io: true };
  }
  const reason = binaryReason(bytes);
  if (reason) return { skipped: reason };
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { skipped: 'not valid UTF-8 text' };
  }
  return { text, size: stat.size, mtimeMs: stat.mtimeMs };
}

/** Why bytes are not C source: a NUL byte never occurs in a source file and always in binaries. */
export function binaryReason(bytes: Uint8Array): string | undefined {
  return bytes.indexOf(0) >= 0 ? 'binary file (contains NUL bytes)' : undefined;
}
