// sleep-in-atomic: a call that may sleep other than an allocation (mutexes, msleep, waits, user
// copies, firmware loading, bus transfers on I²C/SPI/USB, clk/regulator calls, …) where the code
// runs atomically on every path.
import { SLEEP_RULE, atomicFindings } from './atomicContext';
import type { Rule } from './rule';

export const sleepInAtomic: Rule = {
  id: SLEEP_RULE,
  defaultSeverity: 'warning',
  docs: {
    summary:
      'A call that may sleep (mutex_lock, msleep, wait_event, copy_from_user, request_firmware, i2c/spi/usb transfers, clk_prepare, regulator_enable, …) runs under a spinlock, with preemption, IRQs or BHs off, in an RCU read section, or in an IRQ handler, timer, tasklet, NAPI poll, URB completion or ndo_start_xmit, including through helpers.',
    bad: 'static irqreturn_t foo_irq(int irq, void *data)\n{\n\tmsleep(1);\n\treturn IRQ_HANDLED;\n}',
    good: 'static irqreturn_t foo_irq(int irq, void *data)\n{\n\tschedule_work(&priv->work);\n\treturn IRQ_HANDLED;\n}',
  },
  check: (context) =>
    atomicFindings(context)
      .filter((finding) => finding.rule === SLEEP_RULE)
      .map(({ rule: _rule, ...finding }) => finding),
};
