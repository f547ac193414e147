// The summaries of one file version: a FunctionSummary per definition and the facts of its
// file-scope items (ops-struct initialisers, definition macros), all plain data. Built from the
// previous version's summary when there is one: a definition whose text is unchanged keeps its
// summary as long as the file-level inputs it recorded still hold (summary.dependencies), so an
// edit inside one body re-summarises that body (and the functions whose lock interface it changes).
import type { HeaderMacroLookup } from '../index/headerMacros';
import type { Node, Tree } from 'web-tree-sitter';
import type { ModelConfig } from '../../model/config';
import type { SectionClass } from '../../model/contexts';
import { REGMAP_LOCK_OVERRIDE } from '../../model/regmap';
import { Span, functionName } from '../../parsing/syntax';
import { SyntaxIndex } from '../../parsing/syntaxIndex';
import { RegistrationTables, macroRegistrations, registrationsIn } from '../locks/callbacks';
import type { MacroDefinition } from '../sizes/constants';
import { FunctionSummary, RegistrationFact, lockInterfaceKey, placed } from './functionSummary';
import { FolderPathFacts, definitionConditionsKey, folderDefines, noReturnDependency } from '../paths/pathConditions';
import {
  CalleeInterface,
  FunctionPrelude,
  SummaryInputs,
  calleeDependency,
  functionPrelude,
  learnedFlagsDependency,
  mustHoldDependency,
  releasingAnswer,
  summarizeFunction,
  TextValues,
} from './summarizeFunction';
import { ReleasingItemFacts, releasingCallees, releasingItemFacts } from '../paths/releasingCallees';
import { NO_OPS_TYPES, OpsStore, OpsTypes, flagsSetIn, opsStoresIn, opsTypesIn } from '../locks/opsFields';

export interface FunctionEntry {
  name: string;
  /** Document rows of the definition (first and last). */
  startRow: number;
  endRow: number;
  /** Start column and text: what a summary is reused by. */
  key: string;
  prelude: FunctionPrelude;
  summary: FunctionSummary;
  /** Hash of what composition reads from the summary (no spans). */
  semanticKey: string;
}

export interface FileSummary {
  path: string;
  /** The model configuration and macro table the summaries were built with. */
  configKey: string;
  macrosKey: string;
  /** The folder's path facts (#defined names, `__noreturn` functions) the summaries were built with. */
  pathsKey: string;
  functions: readonly FunctionEntry[];
  /** Registrations made by file-scope items (document rows). */
  registrations: readonly RegistrationFact[];
  regmapLockOverride: boolean;
  mentionsRegmap: boolean;
  /** Functions stored in struct fields by file-scope initialisers (document rows), and the struct declarations field paths resolve with (locks/opsFields.ts). */
  opsStores: readonly OpsStore[];
  opsTypes: OpsTypes;
  /** Context flag fields file-scope initialisers set (`.nonatomic = 1`). */
  flagsSet: readonly string[];
  /** Hash of everything composition reads from this file (no spans). */
  semanticKey: string;
  /** Facts of file-scope items by start column and text, rows relative to the item: reused by the next version. */
  items: ReadonlyMap<string, ItemFacts>;
}

interface ItemFacts {
  registrations: readonly RegistrationFact[];
  regmapLockOverride: boolean;
  mentionsRegmap: boolean;
  releasing: ReleasingItemFacts;
  opsStores: readonly OpsStore[];
  opsTypes: OpsTypes;
  flagsSet: readonly string[];
}

/** What a file summary is built from besides the tree. */
export interface FileSummaryInputs {
  path: string;
  config: ModelConfig;
  macros: ReadonlyMap<string, MacroDefinition>;
  macrosKey: string;
  tables: RegistrationTables;
  configKey: string;
  paths: FolderPathFacts;
  previous?: FileSummary;
  /** The kernel tree's header macros (index/headerMacros.ts), below the file's own; its key is part of `macrosKey`. */
  headerMacros?: HeaderMacroLookup;
}

/** Nodes that hold definitions and file-scope items without being one: `#ifdef` blocks, ERROR wrappers. */
const CONTAINERS = new Set(['translation_unit', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef', 'ERROR', 'linkage_specification', 'declaration_list']);
/** Parts of a container that are neither a definition nor an item. */
const CONTAINER_PARTS = new Set([
  'identifier',
  'preproc_arg',
  'preproc_defined',
  'binary_expression',
  'unary_expression',
  'parenthesized_expression',
  'call_expression',
  'number_literal',
  'char_literal',
  'string_literal',
]);

/** A file's function definitions and file-scope items (`rootChild`: directly under the translation unit). */
export interface TopLevelParts {
  readonly functions: readonly Node[];
  readonly items: readonly { node: Node; rootChild: boolean }[];
}

/** Definitions and file-scope items of a tree, in document order, without walking any body. */
export function topLevelParts(tree: Tree): TopLevelParts {
  const functions: Node[] = [];
  const items: { node: Node; rootChild: boolean }[] = [];
  const visit = (container: Node) => {
    const isRoot = container.type === 'translation_unit';
    for (const child of container.namedChildren) {
      if (!child) continue;
      if (child.type === 'function_definition') functions.push(child);
      else if (CONTAINERS.has(child.type)) visit(child);
      else if (!isRoot && container.type !== 'ERROR' && CONTAINER_PARTS.has(child.type) && isConditionOf(container, child)) continue;
      else items.push({ node: child, rootChild: isRoot });
    }
  };
  visit(tree.rootNode);
  return { functions, items };
}

function isConditionOf(container: Node, child: Node): boolean {
  const condition = container.childForFieldName('condition') ?? container.childForFieldName('name');
  return !!condition && condition.id === child.id;
}

function itemKey(node: Node): string {
  return `${node.startPosition.column}:${node.text}`;
}

/**
 * Items whose only children are a name and raw preprocessor text (tree-sitter-c `preproc_def`,
 * `preproc_function_def`, `preproc_call`) or nothing: no call, pair or record can lie inside.
 */
const OPAQUE_ITEMS: ReadonlySet<string> = new Set(['preproc_def', 'preproc_function_def', 'preproc_call', 'comment']);
/** A struct or union specifier needs its keyword, a type definition `typedef`. */
const RECORD_WORDS = /\b(?:struct|union|typedef)\b/;

function itemFacts(tables: RegistrationTables, node: Node, rootChild: boolean): ItemFacts {
  const row = node.startPosition.row;
  const relative = (inner: Node): Span => {
    const end = inner.endPosition;
    return { startLine: inner.startPosition.row - row, startColumn: inner.startPosition.column, endLine: end.row - row, endColumn: end.column };
  };
  const text = node.text;
  // tree-sitter's own descendantsOfType runs inside the WebAssembly module: fast on big tables,
  // but each call costs a fixed ~5 us (web-tree-sitter matches the wanted names against all 363
  // symbols of the grammar), and most items are a `#define` or a prototype holding none of them.
  // An item whose text lacks the tokens a node type needs cannot hold one, so it is not walked.
  const walked = !OPAQUE_ITEMS.has(node.type);
  const calls = walked && text.includes('(') ? node.descendantsOfType(['call_expression']).filter((inner): inner is Node => !!inner) : [];
  // `.field = v`, `[i] = v`, `a = b` and the old GNU designator `field: v`.
  const pairs = walked && (text.includes('=') || text.includes(':')) ? node.descendantsOfType(['initializer_pair', 'assignment_expression']).filter((inner): inner is Node => !!inner) : [];
  const registrations = registrationsIn(tables, calls, pairs, relative);
  if (rootChild) registrations.push(...macroRegistrations(tables, node).map((registration) => ({ ...registration, site: relative(node) })));
  return {
    registrations,
    regmapLockOverride: REGMAP_LOCK_OVERRIDE.test(text),
    mentionsRegmap: text.includes('regmap'),
    releasing: releasingItemFacts(text),
    opsStores: opsStoresIn(pairs, relative),
    opsTypes: walked && RECORD_WORDS.test(text) ? opsTypesIn(node) : NO_OPS_TYPES,
    flagsSet: flagsSetIn(pairs, tables.contextFlags),
  };
}

/** FNV-1a over a string, as 8 hex digits: keys that stay short however large the summary. */
export function hashText(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** What composition reads from a summary, without positions. */
function semanticKeyOf(summary: FunctionSummary): string {
  return hashText(
    JSON.stringify([
      summary.name,
      summary.isStatic,
      summary.takesMask,
      summary.signature,
      summary.parameters.length,
      summary.understood,
      summary.queriesContext,
      summary.releasesCallerLock,
      summary.calls.map((call) => [
        call.name ?? '',
        call.held ? call.held.length : -1,
        call.parameterGuarded,
        call.parameterGuard ?? 0,
        call.argumentTruth ?? 0,
        call.flagGuarded,
        call.maskParameter ?? 0,
        call.parameterArguments ?? 0,
        call.conditions ?? 0,
        call.afterGet ?? false,
        call.startsTimer ?? '',
        call.throughField ?? 0,
        call.calledParameter ?? -1,
        call.functionArguments ?? 0,
      ]),
      summary.registrations.map((registration) => [
        registration.callback,
        registration.context,
        registration.requires ?? '',
        registration.via,
        registration.conditions ?? 0,
        registration.timer ?? '',
        registration.unlessFlag ?? '',
      ]),
      summary.opsStores.map((store) => [store.key ?? '', store.field, store.target]),
      summary.flagsSet,
      summary.regmapInits.map((init) => init.name),
      summary.regmapLockOverride,
      summary.mentionsRegmap,
    ]),
  );
}

/** `parts`: the file's topLevelParts(), which collectFileFacts() already found. */
export function summarizeFile(parts: TopLevelParts, inputs: FileSummaryInputs): FileSummary {
  const items = [...parts.items];
  const previousEntries = new Map<string, FunctionEntry>();
  for (const entry of inputs.previous?.functions ?? []) previousEntries.set(entry.key, entry);

  interface Pending {
    node: Node;
    body: Node;
    name: string;
    key: string;
    prelude: FunctionPrelude;
    index?: SyntaxIndex;
    previous?: FunctionEntry;
  }
  const pending: Pending[] = [];
  for (const node of parts.functions) {
    const name = functionName(node);
    const body = node.childForFieldName('body');
    if (!name || !body) {
      // No summary without a name and a body, but its registrations still count.
      items.push({ node, rootChild: false });
      continue;
    }
    // The enclosing #if conditions too: they decide whether the definition is compiled at all.
    const key = `${node.startPosition.column}:${definitionConditionsKey(node)}:${node.text}`;
    const previous = previousEntries.get(key);
    if (previous) {
      pending.push({ node, body, name, key, prelude: previous.prelude, previous });
    } else {
      const index = new SyntaxIndex(node);
      pending.push({ node, body, name, key, index, prelude: functionPrelude({ name, node, body }, index) });
    }
  }

  items.sort((a, b) => a.node.startIndex - b.node.startIndex);
  const factsByItem = new Map<string, ItemFacts>();
  const registrations: RegistrationFact[] = [];
  let regmapLockOverride = false;
  let mentionsRegmap = false;
  const opsStores: OpsStore[] = [];
  const opsRecords: OpsTypes['records'][number][] = [];
  const opsTypedefs: OpsTypes['typedefs'][number][] = [];
  const flagsSet = new Set<string>();
  for (const { node, rootChild } of items) {
    const key = `${rootChild ? 'r' : 'n'}${itemKey(node)}`;
    const facts = inputs.previous?.items.get(key) ?? itemFacts(inputs.tables, node, rootChild);
    factsByItem.set(key, facts);
    const row = node.startPosition.row;
    for (const registration of facts.registrations) registrations.push({ ...registration, site: placed(registration.site, row) });
    regmapLockOverride ||= facts.regmapLockOverride;
    mentionsRegmap ||= facts.mentionsRegmap;
    for (const store of facts.opsStores) opsStores.push({ ...store, site: placed(store.site, row) });
    opsRecords.push(...facts.opsTypes.records);
    opsTypedefs.push(...facts.opsTypes.typedefs);
    facts.flagsSet.forEach((flag) => flagsSet.add(flag));
  }
  const opsTypes: OpsTypes = { records: opsRecords, typedefs: opsTypedefs };
  // File-level inputs, made from the preludes: the same for every function of the file.
  const learnedFlags = new Set<string>();
  const spinning = new Map<string, { class: SectionClass; opener: string }>();
  const byName = new Map<string, Pending[]>();
  for (const fn of pending) {
    fn.prelude.learnedFlags.forEach((flag) => learnedFlags.add(flag));
    for (const lock of fn.prelude.spinningLocks) spinning.set(lock.lock, { class: lock.class, opener: lock.opener });
    const list = byName.get(fn.name);
    if (list) list.push(fn);
    else byName.set(fn.name, [fn]);
  }

  const done = new Map<Pending, FunctionSummary>();
  const inProgress = new Set<Pending>();
  const calleeInterface = (name: string): CalleeInterface | 'duplicate' | 'cycle' | undefined => {
    const list = byName.get(name);
    if (!list) return undefined;
    if (list.length > 1) return 'duplicate';
    const fn = list[0];
    if (inProgress.has(fn)) return 'cycle';
    const summary = summaryOf(fn);
    return { key: lockInterfaceKey(summary), acquiredAtExit: summary.understood ? summary.acquiredAtExit : [], releasedCallerClasses: summary.understood ? summary.releasedCallerClasses : [] };
  };
  const annotated = new Map<string, string>();
  for (const fn of pending) if (fn.prelude.releases.length > 0 && !annotated.has(fn.name)) annotated.set(fn.name, fn.prelude.releases[0]);
  const releasing = releasingCallees(
    annotated,
    [...factsByItem.values()].map((facts) => facts.releasing),
  );
  const summaryInputs: SummaryInputs = {
    config: inputs.config,
    macros: inputs.macros,
    macrosKey: inputs.macrosKey,
    tables: inputs.tables,
    calleeInterface,
    learnedFlags,
    spinningLock: (lock) => spinning.get(lock),
    paths: inputs.paths,
    releasing,
    values: new TextValues(inputs.config, inputs.macros),
    ...(inputs.headerMacros ? { headerMacros: inputs.headerMacros } : {}),
  };
  const stillValid = (summary: FunctionSummary): boolean => {
    const deps = summary.dependencies;
    if (deps.macros !== inputs.macrosKey) return false;
    if (deps.learnedFlags !== learnedFlagsDependency(summary.conditionNames, learnedFlags)) return false;
    if (deps.mustHold !== mustHoldDependency(summary.mustHold, summaryInputs.spinningLock)) return false;
    if (
      deps.noReturn !==
      noReturnDependency(
        summary.calls.map((call) => call.name),
        inputs.paths,
      )
    )
      return false;
    for (const [name, defined] of Object.entries(deps.definedMacros)) if (folderDefines(inputs.paths, name) !== defined) return false;
    for (const [question, answer] of Object.entries(deps.releasing)) if (releasingAnswer(question, releasing) !== answer) return false;
    for (const [name, dependency] of Object.entries(deps.callees)) if (calleeDependency(calleeInterface(name)) !== dependency) return false;
    return true;
  };
  const summaryOf = (fn: Pending): FunctionSummary => {
    const known = done.get(fn);
    if (known) return known;
    inProgress.add(fn);
    let summary = fn.previous && stillValid(fn.previous.summary) ? fn.previous.summary : undefined;
    if (!summary) {
      fn.index ??= new SyntaxIndex(fn.node);
      summary = summarizeFunction({ name: fn.name, node: fn.node, body: fn.body }, summaryInputs, fn.index, fn.prelude);
    }
    inProgress.delete(fn);
    done.set(fn, summary);
    return summary;
  };

  const functions: FunctionEntry[] = pending.map((fn) => {
    const summary = summaryOf(fn);
    const semanticKey = fn.previous && fn.previous.summary === summary ? fn.previous.semanticKey : semanticKeyOf(summary);
    return { name: fn.name, startRow: fn.node.startPosition.row, endRow: fn.node.endPosition.row, key: fn.key, prelude: fn.prelude, summary, semanticKey };
  });

  const semanticKey = hashText(
    JSON.stringify([
      inputs.path,
      functions.map((entry) => entry.semanticKey),
      registrations.map((registration) => [registration.callback, registration.context, registration.via, registration.requires ?? '', registration.unlessFlag ?? '']),
      regmapLockOverride,
      mentionsRegmap,
      opsStores.map((store) => [store.key ?? '', store.field, store.target]),
      opsTypes,
      [...flagsSet].sort(),
    ]),
  );
  return {
    path: inputs.path,
    configKey: inputs.configKey,
    macrosKey: inputs.macrosKey,
    pathsKey: inputs.paths.key,
    functions,
    registrations,
    regmapLockOverride,
    mentionsRegmap,
    opsStores,
    opsTypes,
    flagsSet: [...flagsSet].sort(),
    semanticKey,
    items: factsByItem,
  };
}
