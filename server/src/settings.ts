// User settings → model configuration and rule severities. Bad values never throw: each is
// discarded on its own (a model value as if "auto", any other value for its default) and
// reported in one line naming it. The lines say what is wrong; the server adds that the value is
// ignored, the CLI refuses to run.
import { Arch, ARCHES, DEFAULT_CONFIG, ModelConfig, PAGE_SIZES, configProblem, parseKernelVersion } from './model/config';
import { RULES } from './rules/index';
import { SEVERITIES, Severity } from './rules/rule';
import type { RuleSeverities } from './analyzeFile';
import { nestingReason } from './workspace/sourceText';

export interface Settings {
  config: ModelConfig;
  /** Which of the model values the user set to a valid value; the others are detected ("auto"). */
  explicit: { kernel: boolean; arch: boolean; pageSize: boolean };
  severities: RuleSeverities;
  /** Extra milliseconds to wait for more edits before analysing. */
  diagnosticsDelay: number;
  /** Files larger than this many bytes are skipped with a note. */
  maxFileSize: number;
  /** Index every driver folder of the workspace in the background, not only those of open files. */
  indexWholeWorkspace: boolean;
  /** Inlay hints after allocation calls (`kernelAllocLens.inlayHints.enabled`). */
  inlayHints: boolean;
  /** Code lenses above atomic and sleeping functions (`kernelAllocLens.codeLens.enabled`). */
  codeLens: boolean;
  /** Build the kernel tree's index in the background when it has none (`kernelAllocLens.index.build`). */
  indexBuild: 'auto' | 'off';
}

export const DEFAULT_SETTINGS: Settings = {
  config: DEFAULT_CONFIG,
  explicit: { kernel: false, arch: false, pageSize: false },
  severities: {},
  diagnosticsDelay: 5,
  maxFileSize: 4 * 1024 * 1024,
  indexWholeWorkspace: false,
  inlayHints: true,
  codeLens: true,
  indexBuild: 'off',
};

export interface RawSettings {
  kernelVersion?: unknown;
  arch?: unknown;
  pageSize?: unknown;
  rules?: unknown;
  diagnosticsDelay?: unknown;
  maxFileSize?: unknown;
  indexWholeWorkspace?: unknown;
  inlayHints?: unknown;
  codeLens?: unknown;
  /** `{ build: "auto" | "off" }` (VS Code nests `index.build` so). */
  index?: unknown;
}

export function readSettings(raw: RawSettings | undefined | null): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const input = raw && typeof raw === 'object' ? raw : {};
  // Each model value is checked on its own and a bad one is discarded alone, as if "auto": one
  // mistyped field must not throw away the others (arm64 with 64K pages stays arm64 with 64K).
  const config: ModelConfig = { ...DEFAULT_CONFIG };
  const explicit = { kernel: false, arch: false, pageSize: false };
  if (isSet(input.kernelVersion)) {
    const version = typeof input.kernelVersion === 'string' ? parseKernelVersion(input.kernelVersion) : undefined;
    const problem = version ? configProblem({ ...DEFAULT_CONFIG, kernel: version }) : undefined;
    if (!version) problems.push(`kernelVersion "${String(input.kernelVersion)}" is not a version like 6.1`);
    else if (problem) problems.push(`kernelVersion "${String(input.kernelVersion)}": ${problem}`);
    else {
      config.kernel = version;
      explicit.kernel = true;
    }
  }
  if (isSet(input.arch)) {
    if (ARCHES.includes(input.arch as Arch)) {
      config.arch = input.arch as Arch;
      explicit.arch = true;
    } else problems.push(`arch "${String(input.arch)}" is not one of ${ARCHES.join(', ')}`);
  }
  if (isSet(input.pageSize)) {
    const size = typeof input.pageSize === 'string' ? Number(input.pageSize) : input.pageSize;
    if (typeof size !== 'number' || !PAGE_SIZES.includes(size)) {
      problems.push(`pageSize "${String(input.pageSize)}" is not one of ${PAGE_SIZES.join(', ')}`);
    } else {
      // The page size is the value that depends on the architecture, so a pair that does not go
      // together loses the page size (configProblem words why).
      const problem = configProblem({ ...config, pageSize: size });
      if (problem) problems.push(`pageSize ${size} with arch ${config.arch}${explicit.arch ? '' : ' (the default)'}: ${problem}`);
      else {
        config.pageSize = size;
        explicit.pageSize = true;
      }
    }
  }
  const severities: Record<string, Severity | 'off'> = {};
  if (input.rules && typeof input.rules === 'object') {
    for (const [id, value] of Object.entries(input.rules as Record<string, unknown>)) {
      if (!RULES.some((rule) => rule.id === id)) problems.push(`rules: unknown rule "${id}"`);
      else if (value === 'off' || SEVERITIES.includes(value as Severity)) severities[id] = value as Severity | 'off';
      else problems.push(`rules.${id}: "${String(value)}" is not one of off, ${SEVERITIES.join(', ')}`);
    }
  } else if (input.rules !== undefined && input.rules !== null) {
    problems.push('rules must be an object mapping rule ids to a severity or "off"');
  }
  const diagnosticsDelay = numberSetting(input.diagnosticsDelay, DEFAULT_SETTINGS.diagnosticsDelay, 0, 5000, 'diagnosticsDelay', problems);
  const maxFileSize = numberSetting(input.maxFileSize, DEFAULT_SETTINGS.maxFileSize, 1024, 1024 ** 3, 'maxFileSize', problems);
  let indexWholeWorkspace = DEFAULT_SETTINGS.indexWholeWorkspace;
  if (typeof input.indexWholeWorkspace === 'boolean') indexWholeWorkspace = input.indexWholeWorkspace;
  else if (input.indexWholeWorkspace !== undefined && input.indexWholeWorkspace !== null) problems.push('indexWholeWorkspace must be true or false; using false');
  const inlayHints = enabledSetting(input.inlayHints, 'inlayHints', problems);
  const codeLens = enabledSetting(input.codeLens, 'codeLens', problems);
  const indexBuild = indexBuildSetting(input.index, problems);
  return { settings: { config, explicit, severities, diagnosticsDelay, maxFileSize, indexWholeWorkspace, inlayHints, codeLens, indexBuild }, problems };
}

/** `index.build`: "auto" or "off" (the default: see package.json's description of the setting). */
function indexBuildSetting(value: unknown, problems: string[]): 'auto' | 'off' {
  const build = value && typeof value === 'object' ? (value as { build?: unknown }).build : undefined;
  if (build === undefined || build === null || build === 'off') return 'off';
  if (build === 'auto') return 'auto';
  problems.push(`index.build "${String(build)}" is not one of auto, off; using off`);
  return 'off';
}

/** A feature's `{ enabled: boolean }` section (VS Code nests `inlayHints.enabled` so); on by default. */
function enabledSetting(value: unknown, name: string, problems: string[]): boolean {
  if (value === undefined || value === null) return true;
  const enabled = typeof value === 'object' ? (value as { enabled?: unknown }).enabled : value;
  if (enabled === undefined || enabled === null) return true;
  if (typeof enabled === 'boolean') return enabled;
  problems.push(`${name}.enabled must be true or false; using true`);
  return true;
}

/** "auto", empty or absent mean "detect from the kernel tree". */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && value !== 'auto';
}

function numberSetting(value: unknown, fallback: number, min: number, max: number, name: string, problems: string[]): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
  problems.push(`${name} must be a number from ${min} to ${max}; using ${fallback}`);
  return fallback;
}

/** Why a text cannot be analysed (binary, too large), or undefined. */
export function unanalysableReason(text: string, maxFileSize: number): string | undefined {
  if (text.length > maxFileSize) return `the file is larger than ${maxFileSize} bytes (kernelAllocLens.maxFileSize)`;
  if (text.includes('\u0000')) return 'the file contains NUL bytes and looks binary';
  return nestingReason(text);
}
