// The quick fix kmalloc-too-large and kmalloc-costly-order share: switch a kmalloc-family call to
// its kv* equivalent and every kfree() of the same pointer in the file to kvfree(). Offered only
// when a conservative local check shows the pointer is never handed to an API that needs
// physically contiguous memory (model/contiguousSinks.ts) and never escapes where we cannot see
// its frees; anything unclear means no fix. A buffer that must stay physically contiguous (its
// mask names a zone, or the provenance engine sees it reach a DMA sink anywhere in the folder)
// gets no kvmalloc advice at all: the rules say what fits instead.
import type { Node } from 'web-tree-sitter';
import type { AllocationSite } from '../analysis/allocationSites';
import type { FileFacts } from '../analysis/fileFacts';
import { allocApi } from '../model/apis';
import { CONTIGUOUS_FIELDS, CONTIGUOUS_SINKS, VMALLOC_ONLY_USES } from '../model/contiguousSinks';
import { gfpAllowsBlocking } from '../model/gfp';
import { KVMALLOC_NONBLOCKING, ZoneModifier, zoneModifiersOf } from '../model/routing';
import { calleeName, calleeNames, callArguments, descendantsOfType, spanOf } from '../parsing/syntax';
import { AllocationTarget, allocationTarget } from '../analysis/provenance/allocationTarget';
import { Fix, RuleContext, TextEdit } from './rule';

/** kmalloc-family name → kv* equivalent with the same arguments (include/linux/slab.h, 6.1). */
export const KV_EQUIVALENTS: Readonly<Record<string, string>> = {
  kmalloc: 'kvmalloc',
  kzalloc: 'kvzalloc',
  kmalloc_node: 'kvmalloc_node',
  kzalloc_node: 'kvzalloc_node',
  kmalloc_array: 'kvmalloc_array',
  kcalloc: 'kvcalloc',
};

/** Calls that read or write a buffer in place and keep no reference to it. */
const HARMLESS_CALLS = new Set([
  'memset',
  'memcpy',
  'memmove',
  'memcmp',
  'memchr',
  'memzero_explicit',
  'memcpy_fromio',
  'memcpy_toio',
  'memset_io',
  'copy_from_user',
  'copy_to_user',
  '__copy_from_user',
  '__copy_to_user',
  'strscpy',
  'strlcpy',
  'strncpy',
  'strcpy',
  'strlen',
  'strnlen',
  'strcmp',
  'strncmp',
  'snprintf',
  'scnprintf',
  'sprintf',
  'vsnprintf',
  'sscanf',
  'kstrtoint',
  'print_hex_dump',
  'print_hex_dump_bytes',
  'print_hex_dump_debug',
  'pr_info',
  'pr_err',
  'pr_debug',
  'pr_warn',
  'dev_info',
  'dev_err',
  'dev_dbg',
  'dev_warn',
  'netdev_info',
  'netdev_err',
  'netdev_dbg',
  'netdev_warn',
  'IS_ERR',
  'IS_ERR_OR_NULL',
  'PTR_ERR',
  'WARN_ON',
  'unlikely',
  'likely',
  'sort',
  'bitmap_zero',
  'bitmap_fill',
  'crc32_le',
  'crc32',
  'le32_to_cpus',
  'cpu_to_le32s',
]);

const SINK_NAMES = new Set<string>([...CONTIGUOUS_SINKS.map((sink) => sink.name), ...VMALLOC_ONLY_USES]);
const SINK_CALLEES = calleeNames(SINK_NAMES);
const CONTIGUOUS_FIELD_NAMES = new Set<string>(CONTIGUOUS_FIELDS.map((field) => field.field));

function occurrences(facts: FileFacts, target: AllocationTarget): Node[] {
  if (target.kind === 'variable') return descendantsOfType(target.scope, new Set(['identifier'])).filter((node) => node.text === target.name);
  return descendantsOfType(facts.tree.rootNode, new Set(['field_expression'])).filter((node) => node.childForFieldName('field')?.text === target.field);
}

const VALUE_PARENTS = new Set(['subscript_expression', 'pointer_expression', 'sizeof_expression', 'field_expression']);

/** `void *buf;` or `u8 *buf = kmalloc(…)` (this allocation): the declaration itself is not a use. */
function isDeclarationOf(occurrence: Node, site: AllocationSite): boolean {
  let node = occurrence;
  while (node.parent?.type === 'pointer_declarator') node = node.parent;
  const parent = node.parent;
  if (parent?.type === 'declaration') return true;
  if (parent?.type === 'init_declarator' && parent.childForFieldName('declarator')?.id === node.id) {
    const value = parent.childForFieldName('value');
    return !!value && site.call.startIndex >= value.startIndex && site.call.endIndex <= value.endIndex;
  }
  return false;
}

/**
 * Classifies every use of the pointer. Returns the kfree() calls to convert, or the use that
 * needs contiguous memory or lets the pointer go where the file does not show its free.
 */
function kfreesIfSafe(facts: FileFacts, site: AllocationSite, target: AllocationTarget): { frees: Node[] } | { escape: Node } {
  const frees: Node[] = [];
  const result = kfreeUses(facts, site, target, frees);
  return result ? { escape: result } : { frees };
}

/** Fills `frees`; returns the first use that stops the fix, if any. */
function kfreeUses(facts: FileFacts, site: AllocationSite, target: AllocationTarget, frees: Node[]): Node | undefined {
  for (const occurrence of occurrences(facts, target)) {
    if (occurrence.startIndex >= site.call.startIndex && occurrence.endIndex <= site.call.endIndex) continue;
    if (isDeclarationOf(occurrence, site)) continue;
    let node = occurrence;
    // Pointer arithmetic and casts keep pointing into the buffer.
    while (
      node.parent &&
      (node.parent.type === 'parenthesized_expression' || node.parent.type === 'cast_expression' || (node.parent.type === 'binary_expression' && ['+', '-'].includes(node.parent.child(1)?.text ?? '')))
    )
      node = node.parent;
    const parent = node.parent;
    if (!parent) return node;
    if (VALUE_PARENTS.has(parent.type)) {
      // `p[i]`, `*p`, `p->x`: reads through the pointer. `x->p` for a field target is the field itself.
      if (parent.type === 'field_expression' && parent.childForFieldName('argument')?.id !== node.id) return node;
      if (parent.type === 'pointer_expression' && parent.child(0)?.text === '&') return node;
      // `&p[i]`, `&p->x`: a pointer into the buffer leaves, and can reach a DMA API unseen.
      let access = parent;
      while (access.parent && ['subscript_expression', 'field_expression', 'parenthesized_expression'].includes(access.parent.type)) access = access.parent;
      if (access.parent?.type === 'pointer_expression' && access.parent.child(0)?.text === '&') return node;
      continue;
    }
    if (parent.type === 'unary_expression' && parent.child(0)?.text === '!') continue;
    if (parent.type === 'binary_expression' && ['==', '!=', '<', '>', '<=', '>=', '&&', '||'].includes(parent.child(1)?.text ?? '')) continue;
    if (parent.type === 'parenthesized_expression' && ['if_statement', 'while_statement'].includes(parent.parent?.type ?? '')) continue;
    // `p ? 0 : -ENOMEM`: a truth test. Only the condition: `p ? p : q` hands the pointer on.
    if (parent.type === 'conditional_expression' && parent.childForFieldName('condition')?.id === node.id) continue;
    if (parent.type === 'assignment_expression' && parent.childForFieldName('left')?.id === node.id) {
      const right = parent.childForFieldName('right');
      // The allocation itself, or `p = NULL` after a free.
      if (right && (right.id === site.call.id || (site.call.startIndex >= right.startIndex && site.call.endIndex <= right.endIndex) || right.text === 'NULL' || right.text === '0')) continue;
      return node;
    }
    if (parent.type === 'argument_list') {
      const call = parent.parent!;
      const name = call.type === 'call_expression' ? calleeName(call) : undefined;
      if (!name) return node;
      if (name === 'kfree' && node.id === occurrence.id && callArguments(call).length === 1) {
        frees.push(call);
        continue;
      }
      if (HARMLESS_CALLS.has(name)) continue;
      return node;
    }
    if (target.kind === 'field' && CONTIGUOUS_FIELD_NAMES.has(target.field)) return node;
    return node;
  }
  return undefined;
}

/** The call that hands the target to a contiguous-memory sink anywhere in the file (belt and braces). */
function sinkReached(facts: FileFacts, target: AllocationTarget): Node | undefined {
  const mentions = (text: string) => (target.kind === 'variable' ? new RegExp(`\\b${target.name}\\b`).test(text) : new RegExp(`(->|\\.)\\s*${target.field}\\b`).test(text));
  return facts.callsTo(SINK_CALLEES).find((call) => {
    const name = calleeName(call);
    return name !== undefined && SINK_NAMES.has(name) && callArguments(call).some((arg) => mentions(arg.text));
  });
}

/** Why a buffer must stay physically contiguous, so that kvmalloc() is no answer for it. */
export type ContiguousNeed =
  /** The mask asks for ZONE_DMA / ZONE_DMA32 (model/routing.ts KVMALLOC_ZONE_MODIFIERS). */
  | { kind: 'zone'; zones: readonly ZoneModifier[] }
  /** The memory reaches a call or field that rejects vmalloc memory; `file` when not this one. */
  | { kind: 'sink'; what: string; line: number; file?: string };

/** The kv* fix, or why it is not offered (undefined `why`: the API has no kv* form to offer). */
export interface KvmallocAdvice {
  fix?: Fix;
  why?: string;
  /** Set when the memory must stay physically contiguous: then there is neither fix nor `why`. */
  contiguous?: ContiguousNeed;
}

/** Why the memory of an allocation site must stay physically contiguous, when the analysis knows. */
export function contiguousNeed({ facts, folder, db }: RuleContext, site: AllocationSite): ContiguousNeed | undefined {
  const zones = site.gfp?.value ? zoneModifiersOf(site.gfp.value.bits) : [];
  if (zones.length > 0) return { kind: 'zone', zones };
  const reached = db.provenance(facts, folder).vmallocRejectingUseOf(site.call);
  if (!reached) return undefined;
  const { sink, line, file } = reached;
  return {
    kind: 'sink',
    what: sink.kind === 'call' ? `${sink.name}()` : `${sink.owner} .${sink.field}`,
    line: line + 1,
    ...(file === facts.path ? {} : { file }),
  };
}

function useLine(node: Node): string {
  return `line ${node.startPosition.row + 1}`;
}

/** What a use that stops the fix does with the pointer, in a kernel developer's words. */
function escapeWhy(escape: Node): string {
  const parent = escape.parent;
  const line = useLine(escape);
  let access: Node = escape;
  while (access.parent && ['subscript_expression', 'field_expression', 'parenthesized_expression'].includes(access.parent.type)) access = access.parent;
  if (access.parent?.type === 'pointer_expression' && access.parent.child(0)?.text === '&') return `${line} takes an address inside it, which may reach a DMA API unseen`;
  if (parent?.type === 'assignment_expression') {
    return parent.childForFieldName('left')?.id === escape.id ? `${line} assigns it again, so its frees cannot be told apart` : `${line} copies the pointer`;
  }
  if (parent?.type === 'init_declarator') return `${line} copies the pointer`;
  if (parent?.type === 'conditional_expression') return `${line} hands it on through \`?:\``;
  if (parent?.type === 'return_statement') return `${line} returns it to the caller`;
  if (parent?.type === 'argument_list' && parent.parent?.type === 'call_expression') {
    const callee = calleeName(parent.parent);
    return callee ? `${line} passes it to ${callee}(), which the fix cannot follow` : `${line} passes it to a call the fix cannot follow`;
  }
  return `${line} uses it in a way the fix cannot follow`;
}

/**
 * The kv* fix for a kmalloc-family site, why it is not safe to offer, or why kvmalloc() does not
 * fit at all. The folder is checked for a field target: a field used in another file may be freed
 * or mapped there.
 */
export function kvmallocAdvice(context: RuleContext, site: AllocationSite): KvmallocAdvice {
  const contiguous = contiguousNeed(context, site);
  if (contiguous) return { contiguous };
  const { facts, folder } = context;
  const replacement = KV_EQUIVALENTS[site.api.name];
  if (!replacement || !allocApi(replacement, facts.config)) return {};
  // mm/util.c kvmalloc_node(): the vmalloc fallback needs a blocking mask (gfpflags_allow_blocking).
  const gfp = site.gfp?.value;
  if (!gfp) return { why: `the mask \`${site.gfp?.text ?? '?'}\` is not a constant, and kvmalloc() falls back to vmalloc only for a mask that allows blocking` };
  if (!gfpAllowsBlocking(gfp)) return { why: `\`${site.gfp!.text}\` does not allow blocking, and kvmalloc() then never falls back to vmalloc (${KVMALLOC_NONBLOCKING.readIn})` };
  // kvmalloc_node() refuses sizes above INT_MAX with a WARN (mm/util.c, 6.1).
  if (site.requestedBytes && site.requestedBytes.value > 2 ** 31 - 1) return { why: 'kvmalloc() refuses sizes above INT_MAX (mm/util.c, 6.1)' };
  const target = allocationTarget(site.call);
  if (!target) return { why: 'the result is not stored in a variable or field whose uses the fix can follow' };
  const what = target.kind === 'variable' ? `\`${target.name}\`` : `\`->${target.field}\``;
  const sink = sinkReached(facts, target);
  if (sink) return { why: `${what} is passed to ${calleeName(sink)}() at ${useLine(sink)}, which needs physically contiguous memory` };
  if (target.kind === 'variable' && target.fileScope && !target.fileScope.isStatic) return { why: `${what} is a global variable: other files may use and free it, and the fix does not change them` };
  if (target.kind === 'field') {
    const pattern = new RegExp(`(->|\\.)\\s*${target.field}\\b`);
    const other = folder.find((file) => pattern.test(file.text));
    if (other) return { why: `${what} is also used in ${other.path.split(/[\\/]/).pop()}, whose uses and frees the fix does not change` };
  }
  const uses = kfreesIfSafe(facts, site, target);
  if ('escape' in uses) return { why: `${what}: ${escapeWhy(uses.escape)}` };
  const { frees } = uses;
  const callee = site.call.childForFieldName('function')!;
  const edits: TextEdit[] = [{ span: spanOf(callee), newText: replacement }];
  for (const free of frees) edits.push({ span: spanOf(free.childForFieldName('function')!), newText: 'kvfree' });
  const also = frees.length > 0 ? ` and ${frees.length} kfree() → kvfree()` : '';
  return { fix: { title: `Use ${replacement}()${also}`, edits, preferred: true } };
}

/** The kv* fix for a kmalloc-family site, or undefined when it is not safe to offer. */
export function kvmallocFix(context: RuleContext, site: AllocationSite): Fix | undefined {
  return kvmallocAdvice(context, site).fix;
}
