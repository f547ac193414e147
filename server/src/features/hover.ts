// Hover: finds what is under the cursor and joins the sections that have something exact to say.
// Each section is a small function; analyses add theirs to HOVER_SECTIONS.
import type { Node } from 'web-tree-sitter';
import type { AnalysisDatabase } from '../analysis/database';
import type { FileFacts } from '../analysis/fileFacts';
import { Span, spanOf } from '../parsing/syntax';
import { allocationCard, freeCard, gfpCard, macroGfpCard } from './cards';
import { provenanceSection } from './provenanceHover';
import { contextAt, contextSection, kernelSleepSection } from './contextHover';

export interface HoverTarget {
  facts: FileFacts;
  folder: readonly FileFacts[];
  db: AnalysisDatabase;
  /** The smallest named node at the position. */
  node: Node;
  /** The call whose callee is under the cursor, if any. */
  call?: Node;
}

export type HoverSection = (target: HoverTarget) => string | undefined;

const apiSection: HoverSection = (target) => {
  const { facts, call } = target;
  if (!call) return undefined;
  const allocation = facts.allocations.find((site) => site.call.id === call.id);
  if (allocation) return allocationCard(allocation, facts.config, { context: contextAt(target), macros: facts.scope.macros });
  const free = facts.frees.find((site) => site.call.id === call.id);
  return free ? freeCard(free.api, facts.config) : undefined;
};

// A flag name, or a mask the driver #defines (at its #define or where it is used).
const gfpSection: HoverSection = ({ facts, node, call }) =>
  !call && node.type === 'identifier' ? (gfpCard(node.text, facts.config) ?? macroGfpCard(node.text, facts.scope.macros, facts.config, facts.path)) : undefined;

export const HOVER_SECTIONS: HoverSection[] = [apiSection, gfpSection, provenanceSection, contextSection, kernelSleepSection];

/** The file with its scope bound to the folder, as the rules saw it; the facts alone if binding fails. */
export function boundOrUnbound(db: AnalysisDatabase, facts: FileFacts, folder: readonly FileFacts[]): FileFacts {
  try {
    return db.boundFacts(facts, folder);
  } catch {
    return facts;
  }
}

export interface HoverAnswer {
  markdown: string;
  span: Span;
}

export function hoverAt(db: AnalysisDatabase, unbound: FileFacts, folder: readonly FileFacts[], line: number, column: number): HoverAnswer | undefined {
  const facts = boundOrUnbound(db, unbound, folder);
  const node = facts.tree.rootNode.descendantForPosition({ row: line, column });
  if (!node || (node.type !== 'identifier' && node.type !== 'type_identifier')) return undefined;
  const parent = node.parent;
  const call = parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === node.id ? parent : undefined;
  const target: HoverTarget = { facts, folder, db, node, call };
  const sections = HOVER_SECTIONS.map((section) => section(target)).filter((text): text is string => !!text);
  if (sections.length === 0) return undefined;
  return { markdown: sections.join('\n\n---\n\n'), span: spanOf(node) };
}
