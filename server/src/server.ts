// LSP wiring only: capabilities, document lifecycle, settings, and handlers that delegate to
// features/. Runs over IPC under VS Code and over --stdio for any other client
// (createConnection picks the transport from the command line).
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import {
  ClientCapabilities,
  CodeActionParams,
  Connection,
  Hover,
  InitializeParams,
  InitializeResult,
  MarkupKind,
  ProposedFeatures,
  TextDocumentSyncKind,
  createConnection,
} from 'vscode-languageserver/node';
import type { Parser } from 'web-tree-sitter';
import { AnalysisDatabase } from './analysis/database';
import { FileFacts, collectFileFacts } from './analysis/fileFacts';
import { AnalysisReport, analyzeFile } from './analyzeFile';
import { CODE_ACTION_KINDS, ResolveState, codeActionsFor, resolveCodeAction } from './features/codeActions';
import { UriOf, toDiagnostic, toRange } from './features/diagnostics';
import { boundOrUnbound, hoverAt } from './features/hover';
import { describeConfig } from './model/config';
import { DocumentStore, ParsedDocument } from './parsing/documentStore';
import { createParser } from './parsing/parser';
import { syntaxDepthReason } from './parsing/syntax';
import { DEFAULT_SETTINGS, RawSettings, Settings, readSettings, unanalysableReason } from './settings';
import { watchSourceFiles, workDoneProgress } from './workspace/indexProgress';
import { FolderView, WorkspaceIndex } from './workspace/workspaceIndex';
import { analysedAsC } from './workspace/headerScope';
import { KernelConfigDetector, ResolvedConfig, resolveConfig, shortDescription } from './workspace/kernelConfig';
import { KernelIndexSession } from './workspace/kernelIndexSession';
import { allocationMap, allocatorMapLink } from './features/allocationMap';
import { ANALYSIS_PASSES_ENV, AllocationAtRequest, AnalysisPass, AnalysisPassesRequest, InitializationOptions, ModelChangedNotification, ModelInUseRequest } from './protocol';
import { inlayHintsFor } from './features/inlayHints';
import { codeLensesFor } from './features/codeLens';

const SECTION = 'kernelAllocLens';

interface Analysis {
  version: number;
  settingsKey: string;
  facts: FileFacts;
  folder: FileFacts[];
  /** WorkspaceIndex version of the folder facts the report was computed with. */
  folderVersion: string;
  report: AnalysisReport;
}

/** How long a newly opened document's first diagnostics wait for its folder to be indexed. */
const FIRST_PUBLISH_WAIT_MS = 1500;

class KernelAllocServer {
  private settings: Settings = DEFAULT_SETTINGS;
  private settingsKey = JSON.stringify(DEFAULT_SETTINGS);
  private pullConfiguration = false;
  private readonly analyses = new Map<string, Analysis>();
  private readonly skipped = new Map<string, string>();
  /** Open documents of another language that are not kernel or driver headers: nothing is published for them. */
  private readonly ignored = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private store!: DocumentStore;
  private index!: WorkspaceIndex;
  /** Open documents by file path → URI, for the index's sibling lookups. */
  private readonly openPaths = new Map<string, string>();
  /** Documents opened but not yet published, with the time they were opened. */
  private readonly firstPublish = new Map<string, number>();
  private readonly factsCache = new Map<string, { version: number; settingsKey: string; facts: FileFacts }>();
  private capabilities: ClientCapabilities = {};
  private workspaceRoots: string[] = [];
  private wholeWorkspaceIndexed = false;
  private parser!: Parser;
  /** Whether the client runs `command:` links (it said so in initializationOptions). */
  private mapLinks = false;
  /** Whether the client resolves code actions' edits (codeAction/resolve): actions then carry data, not edits. */
  private resolveEdits = false;
  /** Whether the client registers the command code lenses run to reveal their chain. */
  private chainCommand = false;
  private explicit = DEFAULT_SETTINGS.explicit;
  /** Every cached analysis result of the session (function summaries, folder compositions). */
  private readonly db = new AnalysisDatabase();
  private detector = new KernelConfigDetector(undefined);
  /** The kernel tree's index: loaded (or built) in the background for the tree the open files build against. */
  private kernelIndex!: KernelIndexSession;
  private rawSettings: RawSettings = {};
  /** The handler running now (guard()), recorded with each analysis pass. */
  private handling = '';
  /** Whole-file analysis passes per document, recorded only for tests (ANALYSIS_PASSES_ENV). */
  private readonly passes = process.env[ANALYSIS_PASSES_ENV] === '1' ? new Map<string, AnalysisPass[]>() : undefined;

  constructor(private readonly connection: Connection) {}

  listen(): void {
    const { connection } = this;
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => {
      watchSourceFiles(connection, this.capabilities);
      void this.refreshSettings(undefined);
    });
    connection.onDidChangeWatchedFiles(({ changes }) =>
      this.guard('watchedFiles', () => {
        for (const change of changes) {
          const file = this.pathOf(change.uri);
          if (file && /\.[ch]$/.test(file)) this.index.fileChanged(file);
        }
      }),
    );
    connection.onDidChangeConfiguration((change) => void this.refreshSettings(change.settings?.[SECTION]));
    connection.onDidOpenTextDocument(({ textDocument }) =>
      this.guard('open', () => {
        const verdict = analysedAsC(this.pathOf(textDocument.uri), textDocument.languageId);
        if (!verdict.analysed) {
          this.ignored.add(textDocument.uri);
          connection.console.info(`not analysing ${textDocument.uri}: ${verdict.why}`);
          return;
        }
        this.store.open(textDocument.uri, textDocument.version, textDocument.text);
        this.firstPublish.set(textDocument.uri, Date.now());
        const file = this.pathOf(textDocument.uri);
        if (file) {
          this.openPaths.set(file, textDocument.uri);
          this.index.documentOpened(file);
          this.kernelIndex.use(this.detector.detectFor(file).dir);
        }
        this.schedule(textDocument.uri);
      }),
    );
    connection.onDidChangeTextDocument(({ textDocument, contentChanges }) =>
      this.guard('change', () => {
        if (!this.store.change(textDocument.uri, textDocument.version ?? 0, contentChanges)) return;
        const file = this.pathOf(textDocument.uri);
        if (file) this.index.openChanged(file);
        this.schedule(textDocument.uri);
      }),
    );
    connection.onDidCloseTextDocument(({ textDocument }) =>
      this.guard('close', () => {
        if (this.ignored.delete(textDocument.uri)) return;
        clearTimeout(this.timers.get(textDocument.uri));
        this.timers.delete(textDocument.uri);
        this.store.close(textDocument.uri);
        this.analyses.delete(textDocument.uri);
        this.factsCache.delete(textDocument.uri);
        this.firstPublish.delete(textDocument.uri);
        this.skipped.delete(textDocument.uri);
        const file = this.pathOf(textDocument.uri);
        if (file && this.openPaths.delete(file)) this.index.documentClosed(file);
        void connection.sendDiagnostics({ uri: textDocument.uri, diagnostics: [] });
      }),
    );
    connection.onHover(
      ({ textDocument, position }) =>
        this.guard('hover', () => {
          // The facts of the current version, without the rules: a hover never runs a whole-file pass.
          const analysis = this.factsAndFolderOf(textDocument.uri);
          if (!analysis) return null;
          const answer = hoverAt(this.db, analysis.facts, analysis.folder, position.line, position.character);
          const link = this.mapLinks ? allocatorMapLink(boundOrUnbound(this.db, analysis.facts, analysis.folder), textDocument.uri, position.line, position.character) : undefined;
          return answer ? ({ contents: { kind: MarkupKind.Markdown, value: link ? `${answer.markdown}\n\n${link}` : answer.markdown }, range: toRange(answer.span) } satisfies Hover) : null;
        }) ?? null,
    );
    connection.onCodeAction(
      (params: CodeActionParams) =>
        this.guard('codeAction', () => {
          const { uri } = params.textDocument;
          const analysis = this.analysisOf(uri);
          if (!analysis) return [];
          const lazy = this.resolveEdits ? { uri, version: analysis.version } : undefined;
          return codeActionsFor(analysis.report.findings, analysis.facts.text, params.range.start.line, params.range.end.line, params.context.only, this.uriResolver(uri), lazy);
        }) ?? [],
    );
    connection.onCodeActionResolve((action) => this.guard('codeActionResolve', () => resolveCodeAction(action, (uri, version) => this.resolveState(uri, version))) ?? action);
    connection.languages.inlayHint.on(
      ({ textDocument, range }) =>
        this.guard('inlayHint', () => {
          // Like the hover, hints, lenses and the map read the current facts and folder: no whole-file pass.
          const analysis = this.settings.inlayHints ? this.factsAndFolderOf(textDocument.uri) : undefined;
          return analysis ? inlayHintsFor(analysis.facts, range) : [];
        }) ?? [],
    );
    connection.onCodeLens(
      ({ textDocument }) =>
        this.guard('codeLens', () => {
          const analysis = this.settings.codeLens ? this.factsAndFolderOf(textDocument.uri) : undefined;
          return analysis ? codeLensesFor(this.db, analysis.facts, analysis.folder, { uri: textDocument.uri, uriOf: this.uriResolver(textDocument.uri), showChainCommand: this.chainCommand }) : [];
        }) ?? [],
    );
    connection.onRequest(
      AllocationAtRequest,
      (params) =>
        this.guard('allocationAt', () => {
          const analysis = this.factsAndFolderOf(params.textDocument.uri);
          return analysis ? allocationMap(boundOrUnbound(this.db, analysis.facts, analysis.folder), params.position.line, params.position.character) : null;
        }) ?? null,
    );
    connection.onRequest(
      ModelInUseRequest,
      (params) =>
        this.guard('modelInUse', () => {
          if (params.uri && this.ignored.has(params.uri)) return null;
          const file = params.uri ? this.pathOf(params.uri) : undefined;
          const resolved = this.resolvedConfigFor(file);
          const index = file ? this.kernelIndex.statusFor(this.detector.detectFor(file).dir) : undefined;
          return { label: shortDescription(resolved.config), description: describeConfig(resolved.config), sources: resolved.sources, problem: resolved.problem, index };
        }) ?? null,
    );
    const passes = this.passes;
    if (passes) connection.onRequest(AnalysisPassesRequest, ({ uri }) => passes.get(uri) ?? []);
    connection.onShutdown(() => {
      this.kernelIndex?.dispose();
      for (const timer of this.timers.values()) clearTimeout(timer);
    });
    connection.listen();
  }

  private async initialize(params: InitializeParams): Promise<InitializeResult> {
    this.parser = await createParser();
    this.store = new DocumentStore(this.parser, (text) => !unanalysableReason(text, this.settings.maxFileSize));
    this.capabilities = params.capabilities;
    const roots = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
    this.workspaceRoots = roots.map((uri) => this.pathOf(uri)).filter((root): root is string => root !== undefined);
    this.index = new WorkspaceIndex({
      parser: this.parser,
      configFor: (file) => this.resolvedConfigFor(file).config,
      maxFileSize: () => this.settings.maxFileSize,
      isOpen: (file) => this.openPaths.has(file),
      openFacts: (file) => {
        const document = this.store.get(this.openPaths.get(file) ?? '');
        return document?.parsed && !unanalysableReason(document.text, this.settings.maxFileSize) ? this.factsOf(document) : undefined;
      },
      folderChanged: (folder, origin) => {
        for (const [file, uri] of this.openPaths) if (file !== origin && path.dirname(file) === folder) this.schedule(uri);
      },
      progress: () => workDoneProgress(this.connection, this.capabilities),
      log: (message) => this.connection.console.info(message),
    });
    this.kernelIndex = new KernelIndexSession({
      buildSetting: () => this.settings.indexBuild,
      settings: () => this.rawSettings,
      maxFileSize: () => this.settings.maxFileSize,
      progress: () => workDoneProgress(this.connection, this.capabilities),
      factsChanged: (facts) => {
        // Findings appeared from the folder alone; with the tree's facts they are computed again.
        this.db.setKernelFacts(facts);
        this.analyses.clear();
        for (const uri of this.openPaths.values()) this.schedule(uri);
        this.refreshLenses();
      },
      statusChanged: () => void this.connection.sendNotification(ModelChangedNotification, {}),
      log: (message) => this.connection.console.info(message),
    });
    this.pullConfiguration = !!params.capabilities.workspace?.configuration;
    // Lazy edits need the client to resolve `edit` and to send back the data the action carries.
    const codeAction = params.capabilities.textDocument?.codeAction;
    this.resolveEdits = codeAction?.resolveSupport?.properties.includes('edit') === true && codeAction.dataSupport === true;
    const options = params.initializationOptions as InitializationOptions | undefined;
    this.mapLinks = options?.allocatorMapLinks === true;
    this.chainCommand = options?.showChainCommand === true;
    const initial = options?.settings;
    if (initial) this.applySettings(initial);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: CODE_ACTION_KINDS, resolveProvider: true },
        inlayHintProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'kernel-alloc-lens' },
    };
  }

  private async refreshSettings(pushed: RawSettings | undefined): Promise<void> {
    let raw = pushed;
    if (this.pullConfiguration) {
      try {
        raw = (await this.connection.workspace.getConfiguration(SECTION)) as RawSettings;
      } catch (error) {
        this.connection.console.warn(`could not read settings: ${String(error)}`);
      }
    }
    // null: the client has no kernelAllocLens section (Neovim, Helix); keep initializationOptions.
    if (raw === undefined || raw === null) return;
    this.applySettings(raw);
    if (this.settings.indexWholeWorkspace && !this.wholeWorkspaceIndexed) {
      this.wholeWorkspaceIndexed = true;
      for (const root of this.workspaceRoots) void this.index.indexTree(root);
    }
    // The tree of the document opened last (kernelDir may have changed): one tree at a time.
    const lastOpened = [...this.openPaths.keys()].pop();
    if (lastOpened) this.kernelIndex.use(this.detector.detectFor(lastOpened).dir);
    this.kernelIndex.settingsChanged();
    for (const uri of this.analyses.keys()) this.schedule(uri);
    for (const uri of this.skipped.keys()) this.schedule(uri);
    // Hints and lenses follow the settings (on/off, the model's figures) without an edit.
    this.refreshLenses();
  }

  /** Asks the client to request inlay hints and code lenses again, where it supports that. */
  private refreshLenses(): void {
    if (this.capabilities.workspace?.inlayHint?.refreshSupport) void this.connection.languages.inlayHint.refresh().catch(() => undefined);
    if (this.capabilities.workspace?.codeLens?.refreshSupport) void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  private applySettings(raw: RawSettings): void {
    const { settings, problems } = readSettings(raw);
    for (const problem of problems) void this.connection.window.showWarningMessage(`Kernel Alloc Lens settings: ${problem}. That value is ignored; the other settings apply.`);
    this.settings = settings;
    this.rawSettings = raw;
    this.explicit = settings.explicit;
    const kernelDir = (raw as { kernelDir?: unknown }).kernelDir;
    this.detector = new KernelConfigDetector(typeof kernelDir === 'string' && kernelDir.trim() !== '' ? kernelDir.trim() : undefined);
    this.settingsKey = JSON.stringify({ settings, kernelDir });
    void this.connection.sendNotification(ModelChangedNotification, {});
    this.connection.console.info(`model: ${describeConfig(settings.config)}`);
  }

  /** Runs a handler, logging instead of letting an exception reach the connection. */
  private guard<T>(what: string, handler: () => T): T | undefined {
    const outer = this.handling;
    this.handling = what;
    try {
      return handler();
    } catch (error) {
      this.connection.console.error(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return undefined;
    } finally {
      this.handling = outer;
    }
  }

  private schedule(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        this.guard('diagnostics', () => this.publish(uri));
      }, this.settings.diagnosticsDelay),
    );
  }

  /** Tells the user once per reason that a document is not analysed, and clears its diagnostics. */
  private noteSkipped(uri: string, version: number, reason: string): void {
    if (this.skipped.get(uri) !== reason) {
      void this.connection.window.showInformationMessage(`Kernel Alloc Lens skipped ${uri}: ${reason}.`);
    }
    this.skipped.set(uri, reason);
    this.analyses.delete(uri);
    void this.connection.sendDiagnostics({ uri, version, diagnostics: [] });
  }

  private publish(uri: string): void {
    const document = this.store.get(uri);
    if (!document) return;
    const reason = unanalysableReason(document.text, this.settings.maxFileSize);
    if (reason) {
      this.noteSkipped(uri, document.version, reason);
      return;
    }
    this.skipped.delete(uri);
    const parsed = this.store.ensureParsed(uri) ?? document;
    const opened = this.firstPublish.get(uri);
    const file = this.pathOf(uri);
    if (opened !== undefined && file && !this.index.folderOf(file).complete) {
      // The first diagnostics of a document wait (briefly) for its folder, so cross-file findings
      // do not appear a moment later; the index re-schedules this document when the folder is done.
      const waited = Date.now() - opened;
      if (waited < FIRST_PUBLISH_WAIT_MS) {
        this.timers.set(
          uri,
          setTimeout(() => this.schedule(uri), FIRST_PUBLISH_WAIT_MS - waited),
        );
        return;
      }
    }
    this.firstPublish.delete(uri);
    const previous = this.analyses.get(uri);
    const analysis = this.analyse(parsed);
    // A sibling's edit changes lenses and hints of this document too: ask the client again.
    if (!previous || previous.folderVersion !== analysis.folderVersion) this.refreshLenses();
    if (analysis.report.skipped) {
      this.noteSkipped(uri, document.version, analysis.report.skipped);
      return;
    }
    for (const failure of analysis.report.failures) this.connection.console.error(`rule ${failure.rule} failed on ${uri}: ${failure.message}`);
    const uriOf = this.uriResolver(uri);
    void this.connection.sendDiagnostics({ uri, version: document.version, diagnostics: analysis.report.findings.map((finding) => toDiagnostic(finding, uriOf)) });
  }

  /** What a code action offered for `version` is resolved against: nothing once the document has moved on. */
  private resolveState(uri: string, version: number): ResolveState | undefined {
    if (this.store?.get(uri)?.version !== version) return undefined;
    const analysis = this.analysisOf(uri);
    return analysis && analysis.version === version ? { findings: analysis.report.findings, text: analysis.facts.text, uriOf: this.uriResolver(uri) } : undefined;
  }

  /** The cached analysis of the current version, computed on demand. */
  private analysisOf(uri: string): Analysis | undefined {
    const document = this.store?.get(uri);
    if (!document || !document.parsed || this.skipped.has(uri) || unanalysableReason(document.text, this.settings.maxFileSize)) return undefined;
    return this.analyse(document);
  }

  /**
   * The facts and folder a hover, an inlay hint, a code lens and the allocator map read: the cached
   * analysis's when it is of the current version, else the current version's facts and folder
   * without running the rules (the engines they ask for are cached in the database, so the
   * diagnostics pass that follows reuses them).
   */
  private factsAndFolderOf(uri: string): { facts: FileFacts; folder: readonly FileFacts[] } | undefined {
    const document = this.store?.get(uri);
    if (!document || !document.parsed || this.skipped.has(uri) || unanalysableReason(document.text, this.settings.maxFileSize)) return undefined;
    const inputs = this.inputsOf(document);
    if (inputs.cached) return inputs.cached;
    // analyzeFile()'s first gate: a tree too deep for the analyses gets no hover, hint, lens or map either.
    if (syntaxDepthReason(inputs.facts.tree)) return undefined;
    return { facts: inputs.facts, folder: inputs.view?.facts ?? [] };
  }

  /** A document's current facts and folder view, and its cached analysis if that is still of them. */
  private inputsOf(document: ParsedDocument): { facts: FileFacts; view: FolderView | undefined; folderVersion: string; cached?: Analysis } {
    const cached = this.analyses.get(document.uri);
    const filePath = this.pathOf(document.uri);
    const view = filePath ? this.index.folderOf(filePath) : undefined;
    const folderVersion = view?.version ?? '';
    const facts = this.factsOf(document);
    return { facts, view, folderVersion, cached: cached && cached.facts === facts && cached.folderVersion === folderVersion ? cached : undefined };
  }

  private analyse(document: ParsedDocument): Analysis {
    const { facts, view, folderVersion, cached } = this.inputsOf(document);
    if (cached) return cached;
    const folder = view?.facts ?? [];
    const report = analyzeFile(facts, folder, this.settings.severities, this.db);
    this.passes?.set(document.uri, [...(this.passes.get(document.uri) ?? []), { version: document.version, during: this.handling }]);
    const analysis = { version: document.version, settingsKey: this.settingsKey, facts, folder, folderVersion, report };
    this.analyses.set(document.uri, analysis);
    return analysis;
  }

  /** Facts of an open document's current version, cached (also used as a sibling's facts). */
  private factsOf(document: ParsedDocument): FileFacts {
    const cached = this.factsCache.get(document.uri);
    if (cached && cached.version === document.version && cached.settingsKey === this.settingsKey && cached.facts.tree === document.tree) return cached.facts;
    const filePath = this.pathOf(document.uri);
    const config = this.resolvedConfigFor(filePath).config;
    const facts = collectFileFacts(filePath ?? document.uri, document.text, document.tree, config);
    this.factsCache.set(document.uri, { version: document.version, settingsKey: this.settingsKey, facts });
    return facts;
  }

  /** The settings' model, with "auto" fields filled from the kernel tree the file builds against. */
  private resolvedConfigFor(filePath: string | undefined): ResolvedConfig {
    const detected = filePath ? this.detector.detectFor(filePath) : { sources: {} };
    return resolveConfig(this.settings.config, this.explicit, detected);
  }

  private pathOf(uri: string): string | undefined {
    if (!uri.startsWith('file:')) return undefined;
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }

  private uriResolver(documentUri: string): UriOf {
    return (file) => (file === undefined || file === this.pathOf(documentUri) ? documentUri : pathToFileURL(file).href);
  }
}

new KernelAllocServer(createConnection(ProposedFeatures.all)).listen();
