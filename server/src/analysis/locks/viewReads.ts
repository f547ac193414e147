// What a computation over an atomic view reads of its summaries, recorded while it runs, so its
// result can be reused for a later version of the file while everything it read is unchanged
// (analysis/database.ts `functionResults`). The view handed to the computation is the same data
// behind proxies that note each read: a sibling file's FileSummary (its object: a sibling's
// summary is replaced only when that file changes), a function entry of the analysed file (its
// summary object and rows: an unchanged definition keeps its summary object, fileSummary.ts), and
// any other field of the analysed file's summary (by value). The composition itself is not
// recorded: the caller keys the whole table by its object.
import type { FileSummary, FunctionEntry } from '../summaries/fileSummary';
import type { FunctionSummary } from '../summaries/functionSummary';
import type { ComposedFiles } from './atomicEntry';

/** The reads of one computation. */
export interface ViewReads {
  /** Files of the view other than the analysed one: index → the FileSummary read. */
  readonly files: Map<number, FileSummary>;
  /** Function entries of the analysed file: index → what the entry held. */
  readonly functions: Map<number, { summary: FunctionSummary; startRow: number; endRow: number; name: string }>;
  /** Other fields of the analysed file's summary: name → the value (primitives) or its JSON. */
  readonly fields: Map<string, unknown>;
}

export function emptyReads(): ViewReads {
  return { files: new Map(), functions: new Map(), fields: new Map() };
}

function indexOf(property: string | symbol, length: number): number | undefined {
  if (typeof property !== 'string') return undefined;
  const index = Number(property);
  return Number.isInteger(index) && index >= 0 && index < length && String(index) === property ? index : undefined;
}

/** A field's value as reads compare it: primitives as they are, data as JSON. */
function comparable(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  // A Map or Set has no JSON of its contents: compared by object (a new version never matches).
  if (value instanceof Map || value instanceof Set) return value;
  return JSON.stringify(value);
}

/** `view` with its `files` behind proxies that record every read into `reads`. */
export function recordingView<V extends ComposedFiles & { readonly self: number }>(view: V, reads: ViewReads): V {
  const self = view.files[view.self];
  const functions = new Proxy(self.functions as FunctionEntry[], {
    get(target, property, receiver) {
      const index = indexOf(property, target.length);
      if (index !== undefined) {
        const entry = target[index];
        if (!reads.functions.has(index)) reads.functions.set(index, { summary: entry.summary, startRow: entry.startRow, endRow: entry.endRow, name: entry.name });
        return entry;
      }
      if (property === 'length') reads.fields.set('functions.length', target.length);
      return Reflect.get(target, property, receiver);
    },
  });
  const selfView = new Proxy(self, {
    get(target, property, receiver) {
      if (property === 'functions') return functions;
      const value = Reflect.get(target, property, receiver);
      if (typeof property === 'string' && !reads.fields.has(property)) reads.fields.set(property, comparable(value));
      return value;
    },
  });
  const files = new Proxy(view.files as FileSummary[], {
    get(target, property, receiver) {
      const index = indexOf(property, target.length);
      if (index === view.self) return selfView;
      if (index !== undefined) {
        reads.files.set(index, target[index]);
        return target[index];
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return { ...view, files };
}

/**
 * Whether everything `reads` recorded is the same in `view`. `fields` memoises the analysed file's
 * fields as compared (one per view: many functions read the same field).
 */
export function sameReads(reads: ViewReads, view: ComposedFiles & { readonly self: number }, fields: Map<string, unknown>): boolean {
  for (const [index, file] of reads.files) if (view.files[index] !== file) return false;
  const self = view.files[view.self];
  for (const [index, read] of reads.functions) {
    const entry = self.functions[index];
    if (!entry || entry.summary !== read.summary || entry.startRow !== read.startRow || entry.endRow !== read.endRow || entry.name !== read.name) return false;
  }
  for (const [field, value] of reads.fields) {
    let current = fields.get(field);
    if (current === undefined && !fields.has(field)) {
      current = field === 'functions.length' ? self.functions.length : comparable((self as unknown as Record<string, unknown>)[field]);
      fields.set(field, current);
    }
    if (current !== value) return false;
  }
  return true;
}
