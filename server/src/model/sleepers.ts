// Functions that may sleep, other than allocations (../shared/kernel-alloc-facts.md §5).
// Sleeping allocations and frees come from model/apis.ts (`sleeps` and the GFP mask), never from
// here. Rows hold the reason a kernel developer would accept and where it is written.

export interface Sleeper {
  name: string;
  /** Why it may sleep, as a message fragment. */
  reason: string;
  /** What to use instead in atomic context, when there is a drop-in answer. */
  instead?: string;
  source: string;
}

const rows = (names: readonly string[], reason: string, source: string, instead?: string): Sleeper[] =>
  names.map((name) => ({ name, reason, source, ...(instead ? { instead } : {}) }));

export const SLEEPERS: readonly Sleeper[] = [
  ...rows(['mutex_lock', 'mutex_lock_interruptible', 'mutex_lock_killable', 'mutex_lock_nested', 'mutex_lock_io', 'mutex_lock_interruptible_nested', 'mutex_lock_killable_nested'], 'takes a mutex, which sleeps when contended (might_sleep())', 'kernel/locking/mutex.c (6.1)'),
  ...rows(['down', 'down_interruptible', 'down_killable', 'down_timeout', 'down_read', 'down_write', 'down_read_killable', 'down_write_killable', 'down_read_interruptible', 'down_read_nested', 'down_write_nested'], 'takes a semaphore, which sleeps when contended (might_sleep())', 'kernel/locking/semaphore.c, rwsem.c (6.1)'),
  ...rows(['msleep', 'msleep_interruptible', 'ssleep'], 'sleeps in schedule_timeout()', 'kernel/time/timer.c (6.1)', 'mdelay() or udelay() if the wait must happen here'),
  ...rows(['usleep_range', 'usleep_range_state', 'usleep_idle_range'], 'sleeps on an hrtimer (schedule_hrtimeout_range())', 'kernel/time/timer.c (6.1)', 'udelay() if the wait must happen here'),
  ...rows(['fsleep'], 'sleeps for waits above 10 µs (usleep_range()/msleep())', 'include/linux/delay.h (6.1)', 'udelay()'),
  ...rows(['schedule', 'schedule_timeout', 'schedule_timeout_interruptible', 'schedule_timeout_uninterruptible', 'schedule_timeout_killable', 'schedule_timeout_idle', 'io_schedule', 'io_schedule_timeout', 'schedule_hrtimeout', 'schedule_hrtimeout_range'], 'calls the scheduler', 'kernel/sched/core.c, kernel/time/timer.c (6.1)'),
  ...rows(['cond_resched'], 'may reschedule (__might_resched())', 'include/linux/sched.h (6.1)'),
  ...rows(['wait_event', 'wait_event_interruptible', 'wait_event_killable', 'wait_event_timeout', 'wait_event_interruptible_timeout', 'wait_event_killable_timeout', 'wait_event_idle', 'wait_event_idle_timeout', 'wait_event_interruptible_exclusive', 'wait_event_freezable'], 'waits on a wait queue (might_sleep())', 'include/linux/wait.h (6.1)'),
  ...rows(['wait_for_completion', 'wait_for_completion_timeout', 'wait_for_completion_interruptible', 'wait_for_completion_interruptible_timeout', 'wait_for_completion_killable', 'wait_for_completion_killable_timeout', 'wait_for_completion_io', 'wait_for_completion_io_timeout', 'wait_for_completion_state'], 'waits for a completion (might_sleep())', 'kernel/sched/completion.c (6.1)'),
  ...rows(['copy_from_user', 'copy_to_user', 'get_user', 'put_user', 'strncpy_from_user', 'clear_user'], 'touches user memory and may fault a page in (might_fault())', 'include/linux/uaccess.h, mm/util.c (6.1)'),
  ...rows(['request_firmware', 'request_firmware_direct', 'firmware_request_nowarn', 'firmware_request_platform', 'request_firmware_into_buf'], 'loads firmware from user space or the file system ("user context where sleeping is allowed")', 'drivers/base/firmware_loader/main.c (6.1)', 'request_firmware_nowait() from process context'),
  ...rows(['flush_work', 'flush_delayed_work', 'cancel_work_sync', 'cancel_delayed_work_sync', 'flush_workqueue', 'drain_workqueue', 'destroy_workqueue', 'flush_scheduled_work'], 'waits for work items to finish', 'kernel/workqueue.c (6.1)', 'cancel_work()/cancel_delayed_work() (no wait)'),
  ...rows(['synchronize_rcu', 'synchronize_rcu_expedited', 'synchronize_net'], 'waits for an RCU grace period', 'kernel/rcu/tree.c, net/core/dev.c (6.1)', 'call_rcu() or kfree_rcu()'),
  ...rows(['synchronize_srcu', 'synchronize_srcu_expedited'], 'waits for an SRCU grace period (might_sleep())', 'kernel/rcu/srcutree.c (6.1)', 'call_srcu()'),
  ...rows(['rcu_barrier'], 'waits for all pending RCU callbacks (might_sleep())', 'kernel/rcu/tree.c (6.1)'),
  ...rows(['synchronize_irq'], 'waits for running handlers, including threaded ones ("Can only be called from preemptible code")', 'kernel/irq/manage.c (6.1)'),
  ...rows(['free_irq', 'devm_free_irq'], 'waits for the handler to finish ("must not be called from interrupt context")', 'kernel/irq/manage.c (6.1)'),
  ...rows(['disable_irq'], 'calls synchronize_irq(), whose wait_event() starts with might_sleep() and sleeps while a threaded handler runs', 'kernel/irq/manage.c, include/linux/wait.h (6.1)', 'disable_irq_nosync()'),
  ...rows(['kthread_stop'], 'waits for the thread to exit', 'kernel/kthread.c (6.1)'),
  ...rows(['i2c_transfer', 'i2c_master_send', 'i2c_master_recv', 'i2c_master_send_dmasafe', 'i2c_master_recv_dmasafe', 'i2c_smbus_xfer', 'i2c_smbus_read_byte', 'i2c_smbus_write_byte', 'i2c_smbus_read_byte_data', 'i2c_smbus_write_byte_data', 'i2c_smbus_read_word_data', 'i2c_smbus_write_word_data', 'i2c_smbus_read_word_swapped', 'i2c_smbus_write_word_swapped', 'i2c_smbus_read_block_data', 'i2c_smbus_write_block_data', 'i2c_smbus_read_i2c_block_data', 'i2c_smbus_write_i2c_block_data', 'i2c_smbus_read_i2c_block_data_or_emulated'], 'takes the I²C bus lock (an rt_mutex) and waits for the transfer', 'drivers/i2c/i2c-core-base.c, i2c-core-smbus.c (6.1)', 'a work item or threaded IRQ for the bus access'),
  ...rows(['spi_sync', 'spi_sync_transfer', 'spi_sync_locked', 'spi_write', 'spi_read', 'spi_write_then_read', 'spi_w8r8', 'spi_w8r16', 'spi_w8r16be'], 'waits for the SPI transfer ("Context: can sleep")', 'drivers/spi/spi.c, include/linux/spi/spi.h (6.1)', 'spi_async()'),
  ...rows(['gpiod_get_value_cansleep', 'gpiod_set_value_cansleep', 'gpiod_get_raw_value_cansleep', 'gpiod_set_raw_value_cansleep', 'gpiod_get_array_value_cansleep', 'gpiod_set_array_value_cansleep', 'gpiod_get_raw_array_value_cansleep', 'gpiod_set_raw_array_value_cansleep', 'gpio_get_value_cansleep', 'gpio_set_value_cansleep'], 'may access a GPIO controller on a sleeping bus (might_sleep_if(extra_checks))', 'drivers/gpio/gpiolib.c (6.1)'),
  ...rows(['clk_prepare', 'clk_prepare_enable', 'clk_unprepare', 'clk_disable_unprepare', 'clk_set_rate', 'clk_set_parent', 'clk_bulk_prepare', 'clk_bulk_prepare_enable', 'clk_bulk_unprepare', 'clk_bulk_disable_unprepare'], 'takes the clock framework prepare_lock mutex ("Must not be called from within atomic context")', 'drivers/clk/clk.c (6.1)', 'clk_enable()/clk_disable() (atomic-safe) with prepare done in process context'),
  ...rows(['regulator_enable', 'regulator_disable', 'regulator_set_voltage', 'regulator_bulk_enable', 'regulator_bulk_disable', 'regulator_force_disable'], 'takes regulator ww_mutexes and may wait for ramp-up', 'drivers/regulator/core.c (6.1)'),
  ...rows(['usb_control_msg', 'usb_bulk_msg', 'usb_interrupt_msg', 'usb_control_msg_send', 'usb_control_msg_recv'], 'submits the URB and waits for it ("task context, might sleep")', 'drivers/usb/core/message.c (6.1)', 'usb_submit_urb(urb, GFP_ATOMIC) with a completion handler'),
  // request_threaded_irq() allocates the irqaction with kzalloc(GFP_KERNEL) and __setup_irq() takes
  // desc->request_mutex; request_irq() is its inline wrapper, the devm forms add devres_alloc(GFP_KERNEL),
  // request_any_context_irq() ends in request_threaded_irq()/request_irq().
  ...rows(['request_irq', 'request_threaded_irq', 'request_any_context_irq', 'devm_request_irq', 'devm_request_threaded_irq', 'devm_request_any_context_irq'], 'allocates the irqaction with GFP_KERNEL and takes the IRQ descriptor\'s request_mutex', 'kernel/irq/manage.c request_threaded_irq(), __setup_irq(); kernel/irq/devres.c; include/linux/interrupt.h (6.1)', 'request the IRQ at probe time, in process context'),
  // The clk_prepare_lock() readers and setters of drivers/clk/clk.c: mutex_lock(&prepare_lock) unless this task holds it.
  ...rows(['clk_get_rate', 'clk_round_rate', 'clk_set_rate_range', 'clk_set_min_rate', 'clk_set_max_rate', 'clk_get_parent', 'clk_set_phase', 'clk_get_phase', 'clk_get_accuracy', 'clk_set_duty_cycle', 'clk_rate_exclusive_get', 'clk_rate_exclusive_put'], 'takes the clock framework prepare_lock mutex (clk_prepare_lock())', 'drivers/clk/clk.c (6.1)', 'read or set the rate in process context and cache it'),
  // gpio_free() → gpiod_free() → gpiod_free_commit(), which starts with might_sleep(); gpiod_put() → gpiod_free().
  ...rows(['gpio_free', 'gpiod_put', 'gpiod_put_array'], 'frees the GPIO through gpiod_free_commit(), which starts with might_sleep()', 'drivers/gpio/gpiolib.c, gpiolib-legacy.c (6.1)'),
  ...rows(['might_sleep'], 'is the might_sleep() annotation: the author states the code sleeps', 'include/linux/kernel.h (6.1)'),
  ...rows(['device_register', 'device_add', 'platform_device_register', 'platform_device_add', 'driver_register', 'platform_driver_register'], 'registers with the driver core (GFP_KERNEL allocations, sysfs, mutexes)', 'drivers/base/core.c, platform.c (6.1)'),
];

const byName = new Map<string, Sleeper>(SLEEPERS.map((row) => [row.name, row]));

export function sleeper(name: string): Sleeper | undefined {
  return byName.get(name);
}

/**
 * Calls outside the allocation catalogue (model/apis.ts) that allocate with a caller-supplied GFP
 * mask: with a blocking mask they may sleep exactly like kmalloc(). Argument positions are those
 * of the 6.1 prototypes (each row names the header or file read). The xarray calls start with
 * might_alloc(gfp) and drop xa_lock to allocate when the mask allows blocking (include/linux/xarray.h,
 * lib/xarray.c __xas_nomem(), 6.1); the IDA/IDR calls allocate through them or the radix tree.
 */
export interface GfpTaker {
  name: string;
  /** 0-based position of the gfp_t argument. */
  gfpArg: number;
  source: string;
}

export const GFP_TAKERS: readonly GfpTaker[] = [
  { name: 'usb_submit_urb', gfpArg: 1, source: 'include/linux/usb.h (6.1)' },
  { name: 'usb_alloc_urb', gfpArg: 1, source: 'include/linux/usb.h (6.1)' },
  { name: 'alloc_skb', gfpArg: 1, source: 'include/linux/skbuff.h (6.1)' },
  { name: '__netdev_alloc_skb', gfpArg: 2, source: 'include/linux/skbuff.h (6.1)' },
  { name: 'skb_clone', gfpArg: 1, source: 'include/linux/skbuff.h (6.1)' },
  { name: 'skb_copy', gfpArg: 1, source: 'include/linux/skbuff.h (6.1)' },
  { name: 'pskb_expand_head', gfpArg: 3, source: 'include/linux/skbuff.h (6.1)' },
  { name: 'sg_alloc_table', gfpArg: 2, source: 'include/linux/scatterlist.h (6.1)' },
  { name: 'idr_alloc', gfpArg: 4, source: 'include/linux/idr.h (6.1)' },
  { name: 'idr_alloc_cyclic', gfpArg: 4, source: 'include/linux/idr.h, lib/idr.c (6.1)' },
  { name: 'idr_alloc_u32', gfpArg: 4, source: 'include/linux/idr.h, lib/idr.c (6.1)' },
  // Preallocates radix-tree nodes with the mask (lib/radix-tree.c __radix_tree_preload(), 6.1).
  { name: 'idr_preload', gfpArg: 0, source: 'include/linux/idr.h, lib/radix-tree.c (6.1)' },
  { name: 'radix_tree_preload', gfpArg: 0, source: 'include/linux/radix-tree.h, lib/radix-tree.c (6.1)' },
  { name: 'ida_alloc', gfpArg: 1, source: 'include/linux/idr.h (6.1)' },
  { name: 'ida_alloc_range', gfpArg: 3, source: 'include/linux/idr.h, lib/idr.c (6.1)' },
  { name: 'ida_alloc_min', gfpArg: 2, source: 'include/linux/idr.h (6.1)' },
  { name: 'ida_alloc_max', gfpArg: 2, source: 'include/linux/idr.h (6.1)' },
  // `#define ida_simple_get(ida, start, end, gfp) ida_alloc_range(ida, start, (end) - 1, gfp)`.
  { name: 'ida_simple_get', gfpArg: 3, source: 'include/linux/idr.h (6.1)' },
  { name: 'xa_store', gfpArg: 3, source: 'include/linux/xarray.h, lib/xarray.c (6.1)' },
  { name: 'xa_insert', gfpArg: 3, source: 'include/linux/xarray.h (6.1)' },
  { name: 'xa_alloc', gfpArg: 4, source: 'include/linux/xarray.h (6.1)' },
  { name: 'xa_alloc_cyclic', gfpArg: 5, source: 'include/linux/xarray.h (6.1)' },
  // The _bh/_irq forms take xa_lock_bh/_irq and start with the same might_alloc(gfp).
  { name: 'xa_store_bh', gfpArg: 3, source: 'include/linux/xarray.h (6.1)' },
  { name: 'xa_store_irq', gfpArg: 3, source: 'include/linux/xarray.h (6.1)' },
  { name: 'xa_insert_bh', gfpArg: 3, source: 'include/linux/xarray.h (6.1)' },
  { name: 'xa_insert_irq', gfpArg: 3, source: 'include/linux/xarray.h (6.1)' },
  { name: 'xa_alloc_bh', gfpArg: 4, source: 'include/linux/xarray.h (6.1)' },
  { name: 'xa_alloc_irq', gfpArg: 4, source: 'include/linux/xarray.h (6.1)' },
  { name: 'xa_cmpxchg', gfpArg: 4, source: 'include/linux/xarray.h (6.1)' },
  // `#define kfifo_alloc(fifo, size, gfp_mask)` → __kfifo_alloc() → kmalloc_array() (include/linux/kfifo.h, lib/kfifo.c).
  { name: 'kfifo_alloc', gfpArg: 2, source: 'include/linux/kfifo.h, lib/kfifo.c (6.1)' },
  // `#define percpu_counter_init(fbc, value, gfp)` → __percpu_counter_init() → alloc_percpu_gfp().
  { name: 'percpu_counter_init', gfpArg: 2, source: 'include/linux/percpu_counter.h, lib/percpu_counter.c (6.1)' },
  { name: 'ptr_ring_init', gfpArg: 2, source: 'include/linux/ptr_ring.h (6.1)' },
  { name: 'skcipher_request_alloc', gfpArg: 1, source: 'include/crypto/skcipher.h (6.1)' },
  { name: 'kobject_get_path', gfpArg: 1, source: 'include/linux/kobject.h, lib/kobject.c (6.1)' },
  // ep->ops->alloc_request(ep, gfp_flags): the UDC allocates the request with the caller's mask.
  { name: 'usb_ep_alloc_request', gfpArg: 1, source: 'include/linux/usb/gadget.h, drivers/usb/gadget/udc/core.c (6.1)' },
  { name: '__alloc_skb', gfpArg: 1, source: 'include/linux/skbuff.h, net/core/skbuff.c (6.1)' },
  { name: 'alloc_skb_fclone', gfpArg: 1, source: 'include/linux/skbuff.h (6.1)' },
  { name: '__dev_alloc_skb', gfpArg: 1, source: 'include/linux/skbuff.h (6.1)' },
  { name: '__netdev_alloc_skb_ip_align', gfpArg: 2, source: 'include/linux/skbuff.h (6.1)' },
  { name: '__napi_alloc_skb', gfpArg: 2, source: 'include/linux/skbuff.h, net/core/skbuff.c (6.1)' },
  { name: 'alloc_skb_with_frags', gfpArg: 4, source: 'include/linux/skbuff.h (6.1)' },
  { name: 'skb_copy_expand', gfpArg: 3, source: 'include/linux/skbuff.h (6.1)' },
  { name: 'pskb_copy', gfpArg: 1, source: 'include/linux/skbuff.h (6.1)' },
  { name: '__pskb_copy', gfpArg: 2, source: 'include/linux/skbuff.h (6.1)' },
  // skb_clone()/skb_copy() with the mask when the skb is shared or cloned (include/linux/skbuff.h, 6.1).
  { name: 'skb_unshare', gfpArg: 1, source: 'include/linux/skbuff.h (6.1)' },
  { name: 'skb_share_check', gfpArg: 1, source: 'include/linux/skbuff.h (6.1)' },
  { name: '__dev_alloc_pages', gfpArg: 0, source: 'include/linux/skbuff.h (6.1)' },
  { name: '__dev_alloc_page', gfpArg: 0, source: 'include/linux/skbuff.h (6.1)' },
  { name: 'nlmsg_new', gfpArg: 1, source: 'include/net/netlink.h (6.1)' },
  { name: 'genlmsg_new', gfpArg: 1, source: 'include/net/genetlink.h (6.1)' },
  { name: 'sg_alloc_table_from_pages', gfpArg: 5, source: 'include/linux/scatterlist.h (6.1)' },
  { name: 'sgl_alloc', gfpArg: 1, source: 'include/linux/scatterlist.h, lib/scatterlist.c (6.1)' },
];

const takers = new Map<string, GfpTaker>(GFP_TAKERS.map((row) => [row.name, row]));

export function gfpTaker(name: string): GfpTaker | undefined {
  return takers.get(name);
}

/**
 * Waits that sleep and waits that spin, as a driver writes them on the two branches of an `if`
 * when it picks by context (`if (in_timeout) mdelay(ms); else msleep(ms);`): the condition is then
 * the driver's own context flag. Sleeping: kernel/time/timer.c, kernel/locking/mutex.c,
 * include/linux/wait.h, kernel/sched/completion.c; spinning: include/linux/delay.h,
 * include/linux/iopoll.h (6.1).
 */
export const SLEEP_WAITS = /^(msleep|msleep_interruptible|ssleep|usleep_range|fsleep|schedule_timeout\w*|mutex_lock\w*|wait_event\w*|wait_for_completion\w*)$/;
export const BUSY_WAITS = /^(mdelay|udelay|ndelay|cpu_relax|mutex_trylock|readl_poll_timeout_atomic|readx_poll_timeout_atomic)$/;

/**
 * Kernel macros that expand to a sleep at the use site. `sleepArg`: the 0-based argument that
 * decides it, when the macro sleeps only if that argument is nonzero. The poll macros of
 * include/linux/iopoll.h (6.1) start with might_sleep_if(sleep_us != 0) and call usleep_range()
 * between reads only when sleep_us is nonzero; their `_atomic` forms spin with udelay() and are
 * not here. The regmap forms expand to read_poll_timeout() (include/linux/regmap.h, 6.1).
 * With a kernel index the tree's header macros are derived from their bodies
 * (analysis/index/headerMacros.ts); these rows are the answer without one, and override it.
 */
export interface SleepingMacro {
  name: string;
  /** The sleeping call of the expansion. */
  sleeper: string;
  sleepArg?: number;
  source: string;
}

const IOPOLL = 'include/linux/iopoll.h (6.1)';

export const SLEEPING_MACROS: readonly SleepingMacro[] = [
  { name: 'read_poll_timeout', sleeper: 'usleep_range', sleepArg: 3, source: IOPOLL },
  { name: 'readx_poll_timeout', sleeper: 'usleep_range', sleepArg: 4, source: IOPOLL },
  ...['readb', 'readw', 'readl', 'readq', 'readb_relaxed', 'readw_relaxed', 'readl_relaxed', 'readq_relaxed'].map((width) => ({
    name: `${width}_poll_timeout`,
    sleeper: 'usleep_range',
    sleepArg: 3,
    source: IOPOLL,
  })),
  { name: 'regmap_read_poll_timeout', sleeper: 'usleep_range', sleepArg: 4, source: 'include/linux/regmap.h, include/linux/iopoll.h (6.1)' },
  { name: 'regmap_field_read_poll_timeout', sleeper: 'usleep_range', sleepArg: 3, source: 'include/linux/regmap.h, include/linux/iopoll.h (6.1)' },
];

const sleepingMacros = new Map<string, SleepingMacro>(SLEEPING_MACROS.map((row) => [row.name, row]));

export function sleepingMacro(name: string): SleepingMacro | undefined {
  return sleepingMacros.get(name);
}
