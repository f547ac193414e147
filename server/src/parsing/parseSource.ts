// The one way a C text becomes a tree: rewritten by kernelMacros.ts (length-preserving), parsed,
// and answered in the user's text. tree-sitter reads the input through a callback and keeps that
// callback to answer node.text; ours reads the rewritten text while the parser runs and the
// user's text afterwards. Offsets and positions are the same in both texts, so node.text of every
// node is the user's text at its span: messages, hovers and fixes copy what the user wrote
// (`void __iomem *`, `KERN_ERR PFX "x"`, `__must_hold(&p->lock)`), never the blanks.
import type { Parser, Tree } from 'web-tree-sitter';
import { rewriteKernelMacros } from './kernelMacros';

export interface ParsedSource {
  tree: Tree;
  /** The text tree-sitter parsed: what an incremental re-parse must describe its edit against. */
  rewritten: string;
}

/**
 * Parses `text` (with `oldTree`, already edited to describe the change between the previous
 * rewritten text and `rewritten`, for an incremental parse); undefined when tree-sitter gives up.
 */
export function parseSource(parser: Parser, text: string, oldTree?: Tree | null, rewritten = rewriteKernelMacros(text)): ParsedSource | undefined {
  if (rewritten.length !== text.length) throw new Error('kernel macro rewrite changed the text length');
  let source = rewritten;
  const tree = parser.parse((index: number) => source.slice(index), oldTree ?? null);
  source = text;
  return tree ? { tree, rewritten } : undefined;
}

/** parseSource() for callers that cannot go on without a tree. */
export function parseSourceOrThrow(parser: Parser, text: string, oldTree?: Tree | null, rewritten?: string): ParsedSource {
  const parsed = parseSource(parser, text, oldTree, rewritten);
  if (!parsed) throw new Error('tree-sitter returned no tree');
  return parsed;
}
