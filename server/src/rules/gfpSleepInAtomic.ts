// gfp-sleep-in-atomic: an allocation that may sleep (its mask has __GFP_DIRECT_RECLAIM, or the API
// always sleeps, like vmalloc) where the code runs atomically on every path.
import { GFP_RULE, atomicFindings } from './atomicContext';
import type { Rule } from './rule';

export const gfpSleepInAtomic: Rule = {
  id: GFP_RULE,
  defaultSeverity: 'warning',
  docs: {
    summary:
      'An allocation that may sleep (GFP_KERNEL and other masks with __GFP_DIRECT_RECLAIM, or vmalloc()) runs where sleeping is a bug: under a spinlock, with preemption, IRQs or BHs off, in an RCU read section, or in an IRQ handler, timer, tasklet, NAPI poll, URB completion or ndo_start_xmit, including through helpers. CONFIG_DEBUG_ATOMIC_SLEEP reports it at run time as "BUG: sleeping function called from invalid context".',
    bad: 'spin_lock(&priv->lock);\nbuf = kmalloc(len, GFP_KERNEL);\nspin_unlock(&priv->lock);',
    good: 'spin_lock(&priv->lock);\nbuf = kmalloc(len, GFP_ATOMIC);\nspin_unlock(&priv->lock);',
  },
  check: (context) =>
    atomicFindings(context)
      .filter((finding) => finding.rule === GFP_RULE)
      .map(({ rule: _rule, ...finding }) => finding),
};
