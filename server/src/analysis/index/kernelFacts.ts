// STUB of the interface shared with i11-derive (notes/OWNERS.md): the index stores one IndexedFile
// per .c file of a kernel tree and the KernelFacts derived from all of them. This placeholder keeps
// the signatures exact and the data minimal (function names, a file count), so the index, its
// cache and its consumers can be built and tested; i11-derive's real file replaces it at merge.
import type { FileSummary } from '../summaries/fileSummary';

/** What the index keeps of one .c file of the tree: plain, structured-clonable data. */
export interface IndexedFile {
  /** Relative to the tree's root. */
  path: string;
  /** Names of the functions the file defines. */
  functions: string[];
}

export function indexedFileOf(summary: FileSummary): IndexedFile {
  return { path: summary.path, functions: summary.functions.map((entry) => entry.name) };
}

/** The facts derived from a whole tree: plain, structured-clonable data. */
export interface KernelFacts {
  root: string;
  version: string;
  /** How many files the facts were derived from. */
  files: number;
}

export function deriveKernelFacts(files: readonly IndexedFile[], tree: { root: string; version: string }): KernelFacts {
  return { root: tree.root, version: tree.version, files: files.length };
}
