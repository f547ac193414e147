// The custom LSP messages of Kernel Alloc Lens, typed once for both ends: the server registers its
// handlers with these objects and the VS Code client sends with them, so a change of method name,
// parameters or answer is a compile error on the side that did not follow. Any other editor can
// send the same JSON (README, "Other editors"). Nothing here may pull server code into the client
// bundle: only the protocol library and type-only imports.
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { AllocationMap } from './features/allocationMap';
import type { RawSettings } from './settings';

export type { AllocationMap, MapAllocation, MapArrow, MapEntry, MapFigure, MapLayer } from './features/allocationMap';

/** What a client may pass in initialize's initializationOptions. */
export interface InitializationOptions {
  /** The client runs `command:` links: allocation hovers end with a link to the allocator map. */
  allocatorMapLinks?: boolean;
  /** The client registers SHOW_CHAIN_COMMAND: code lenses run it to reveal their chain. */
  showChainCommand?: boolean;
  /** Settings for clients without workspace/configuration (the `kernelAllocLens` section's keys). */
  settings?: RawSettings;
}

/** A position in a document, as textDocument/hover takes it. */
export interface AllocationAtParams {
  textDocument: { uri: string };
  position: { line: number; character: number };
}

/** The allocator map for the allocation under a position (features/allocationMap.ts); null when the document is not analysed. */
export const AllocationAtRequest = new RequestType<AllocationAtParams, AllocationMap | null, void>('kernelAllocLens/allocationAt');

export interface ModelInUseParams {
  /** The document whose model is asked for; absent: the settings' model without detection. */
  uri?: string;
}

/** The configuration the figures of a document hold for, e.g. for a status bar. */
export interface ModelInUse {
  /** `kernel 6.12 · x86_64 · 4K` */
  label: string;
  /** One sentence: the kernel, architecture and page size in words. */
  description: string;
  /** Per value: "setting", "default" or the file it was detected from. */
  sources: { kernel: string; arch: string; pageSize: string };
  /** Why detected values were not used, when they make no modelled configuration. */
  problem?: string;
  /** The index of the kernel tree the document builds against, when it is a kernel source tree. */
  index?: IndexInUse;
}

/** The kernel tree's index (`kalloc index`, or built by the server) and how far it is. */
export interface IndexInUse {
  /** The tree's real path. */
  root: string;
  /** `6.1.0`, from its top-level Makefile. */
  version: string;
  /**
   * loading or building (findings use the folder alone meanwhile), loaded, none (no index and
   * `kernelAllocLens.index.build` is off, or one that cannot be used), failed (the build failed).
   */
  state: 'loading' | 'building' | 'loaded' | 'none' | 'failed';
  /** loaded: the .c files it holds. */
  files?: number;
  problem?: string;
}

/** The model in use for a document; null when the server does not analyse it (a C++ header). */
export const ModelInUseRequest = new RequestType<ModelInUseParams, ModelInUse | null, void>('kernelAllocLens/modelInUse');

/** Sent after the settings change and when the kernel index's state changes, so clients ask for the model in use again. */
export const ModelChangedNotification = new NotificationType<Record<string, never>>('kernelAllocLens/modelChanged');

/** The client command that shows the allocator map; allocation hovers link to it when the client asks (initializationOptions.allocatorMapLinks). */
export const SHOW_ALLOCATOR_MAP_COMMAND = 'kernelAllocLens.showAllocatorMap';

/** The client command a code lens runs to show its chain of locations (VS Code: the references peek). */
export const SHOW_CHAIN_COMMAND = 'kernelAllocLens.showChain';

/** A location as LSP sends it. */
export interface ChainLocation {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

/** SHOW_CHAIN_COMMAND's arguments: where the lens is, and the chain's locations in order. */
export interface ShowChainArguments {
  uri: string;
  position: { line: number; character: number };
  locations: ChainLocation[];
}

/** One whole-file analysis pass (every rule over the document) the server ran. */
export interface AnalysisPass {
  /** The document version analysed. */
  version: number;
  /** The handler that asked for it first: `diagnostics`, `hover`, `codeAction`, `codeActionResolve`, … */
  during: string;
}

/** The environment variable that makes the server answer AnalysisPassesRequest (tests only). */
export const ANALYSIS_PASSES_ENV = 'KALLOC_TEST_ANALYSIS_PASSES';

/**
 * Test-only: the whole-file analysis passes the server has run on a document since it was opened,
 * in order. Registered only when ANALYSIS_PASSES_ENV is `1` in the server's environment, so tests
 * can check that a hover, a code action and its resolve reuse the analysis of the version.
 */
export const AnalysisPassesRequest = new RequestType<{ uri: string }, AnalysisPass[], void>('kernelAllocLens/test/analysisPasses');
