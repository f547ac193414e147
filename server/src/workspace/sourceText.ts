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
  const nesting = nestingReason(text);
  if (nesting) return { skipped: nesting };
  return { text, size: stat.size, mtimeMs: stat.mtimeMs };
}

/**
 * Deeper bracket nesting than any driver has (in linux-6.1 drivers/ the deepest file,
 * usb/host/octeon-hcd.h, nests 37 levels; the deepest .c file 19) makes tree-sitter's Node.parent,
 * which walks down from the root, and recursive analyses cost O(depth²) or overflow the stack
 * (10,000 nested `if`s: minutes in the rules): such a file is skipped, not analysed.
 */
export const MAX_NESTING = 256;

/** Why the text nests too deeply to analyse, or undefined. Comments, strings and chars are skipped. */
export function nestingReason(text: string): string | undefined {
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 40 || code === 91 || code === 123) {
      if (++depth > MAX_NESTING) return `brackets nest deeper than ${MAX_NESTING} levels`;
    } else if (code === 41 || code === 93 || code === 125) {
      if (depth > 0) depth--;
    } else if (code === 47 && text.charCodeAt(index + 1) === 42) {
      const end = text.indexOf('*/', index + 2);
      index = end < 0 ? text.length : end + 1;
    } else if (code === 47 && text.charCodeAt(index + 1) === 47) {
      const end = text.indexOf('\n', index);
      index = end < 0 ? text.length : end;
    } else if (code === 34 || code === 39) {
      for (index++; index < text.length && text.charCodeAt(index) !== code && text.charCodeAt(index) !== 10; index++) {
        if (text.charCodeAt(index) === 92) index++;
      }
    }
  }
  return undefined;
}

/** Why bytes are not C source: a NUL byte never occurs in a source file and always in binaries. */
export function binaryReason(bytes: Uint8Array): string | undefined {
  return bytes.indexOf(0) >= 0 ? 'binary file (contains NUL bytes)' : undefined;
}
