// Whether a held FPU section (model/contexts.ts FPU_SECTIONS) disables preemption on the configured
// architecture. The lock walk opens one at every opener it knows; the summary keeps it only where
// the opener's row lists the arch, so `DC_FP_START()` on arm64 and `kernel_fpu_begin()` in an
// arm64 build make nothing atomic.
import type { Node } from 'web-tree-sitter';
import type { Arch } from '../../model/config';
import { fpuSection } from '../../model/contexts';
import { calleeName } from '../../parsing/syntax';

export function sectionAppliesOn(section: { class: string; opener: Node }, arch: Arch): boolean {
  if (section.class !== 'fpu' || section.opener.type !== 'call_expression') return true;
  const row = fpuSection(calleeName(section.opener) ?? '');
  // A same-file wrapper's call (`my_fpu_get()`): its own summary kept the section only where it applies.
  return !row || (row.arches as readonly Arch[]).includes(arch);
}
