// Wording shared by the size rules: byte counts as kernel developers write them, and how the
// size was evaluated (the same steps the hover shows), so a message carries its evidence.
import type { AllocationSite } from '../analysis/allocationSites';

export function formatBytes(value: number): string {
  if (value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `${value} bytes = ${value / 1024 / 1024} MiB`;
  if (value >= 1024 && value % 1024 === 0) return `${value} bytes = ${value / 1024} KiB`;
  return `${value} bytes`;
}

/** ` Size: sizeof(struct foo) = 71536: …` when the size took more than a literal to evaluate. */
export function sizeEvidence(site: AllocationSite): string {
  const steps = site.requestedBytes?.steps ?? [];
  if (steps.length === 0) return '';
  const text = steps.join('; ');
  return ` Size: ${text.length > 300 ? `${text.slice(0, 297)}…` : text}.`;
}
