// APIs that need physically contiguous, linearly mapped memory in one of their arguments
// (../shared/kernel-alloc-facts.md §6, Documentation/core-api/dma-api-howto.rst). vmalloc memory
// (and, where noted, stack memory) handed to them is wrong. One row per API; the provenance and
// size rules both read this table.

export interface ContiguousSink {
  name: string;
  /** 0-based argument that must be linear-map memory. */
  arg: number;
  /** Further arguments with the same requirement (usb_fill_control_urb's setup packet). */
  moreArgs?: readonly number[];
  /**
   * The length of `arg`: a constant 0 means nothing is mapped (usb_hcd_map_urb_for_dma() skips
   * zero-length transfer buffers, drivers/usb/core/hcd.c 6.1).
   */
  lengthArg?: number;
  /**
   * The argument is not the buffer itself but `through(buffer)`: dma_map_page(dev,
   * virt_to_page(buf), …), remap_pfn_range(vma, addr, virt_to_phys(buf) >> PAGE_SHIFT, …).
   * Only that shape is checked; a page or pfn obtained any other way is not a buffer.
   */
  through?: 'virt_to_page' | 'virt_to_phys';
  /** What the kernel does with a vmalloc pointer there. */
  consequence: string;
  /** Stack memory is also wrong here (USB and SPI buffers, DMA mappings). */
  rejectsStack: boolean;
  /** What to use instead, in a kernel developer's words. */
  instead: string;
  source: string;
}

const USB_HCD = 'usb_hcd_map_urb_for_dma() maps the buffer with dma_map_single(), which rejects vmalloc memory; a stack buffer gets WARN_ONCE "transfer buffer is on stack" and -EAGAIN';

export const CONTIGUOUS_SINKS = [
  { name: 'dma_map_single', arg: 1, consequence: 'dma_map_single() rejects vmalloc memory: dev_WARN_ONCE "rejecting DMA map of vmalloc memory" and DMA_MAPPING_ERROR', rejectsStack: true, instead: 'kmalloc() below the largest slab size, dma_alloc_coherent(), or map each page with vmalloc_to_page() and dma_map_page()', source: 'include/linux/dma-mapping.h (6.1)' },
  { name: 'dma_map_single_attrs', arg: 1, consequence: 'dma_map_single_attrs() rejects vmalloc memory: dev_WARN_ONCE "rejecting DMA map of vmalloc memory" and DMA_MAPPING_ERROR', rejectsStack: true, instead: 'kmalloc() or dma_alloc_coherent()', source: 'include/linux/dma-mapping.h (6.1)' },
  { name: 'dma_map_page', arg: 1, through: 'virt_to_page', consequence: 'virt_to_page() is valid on the linear map only, so dma_map_page() maps a bogus page for a vmalloc address', rejectsStack: true, instead: 'vmalloc_to_page() for each page (vmalloc pages are not contiguous), or kmalloc()/dma_alloc_coherent() memory', source: 'include/linux/mm.h, include/linux/dma-mapping.h (6.1)' },
  { name: 'dma_map_page_attrs', arg: 1, through: 'virt_to_page', consequence: 'virt_to_page() is valid on the linear map only, so dma_map_page_attrs() maps a bogus page for a vmalloc address', rejectsStack: true, instead: 'vmalloc_to_page() for each page, or kmalloc()/dma_alloc_coherent() memory', source: 'include/linux/mm.h, kernel/dma/mapping.c (6.1)' },
  { name: 'page_to_phys', arg: 0, through: 'virt_to_page', consequence: 'virt_to_page() is valid on the linear map only; page_to_phys() of its result is not the physical address of vmalloc memory', rejectsStack: false, instead: 'vmalloc_to_page() per page (page_to_phys(vmalloc_to_page(p))), or kmalloc() memory', source: 'include/linux/mm.h (6.1)' },
  { name: 'remap_pfn_range', arg: 2, through: 'virt_to_phys', consequence: 'remap_pfn_range() maps physically contiguous pfns; virt_to_phys() of a vmalloc address is not its physical address, so user space gets someone else\'s memory', rejectsStack: false, instead: 'remap_vmalloc_range() on vmalloc_user() memory, or dma_mmap_coherent() for coherent DMA memory', source: 'mm/memory.c, arch/x86/include/asm/io.h (6.1)' },
  { name: 'virt_to_phys', arg: 0, consequence: 'virt_to_phys() is only valid for directly mapped (kmalloc) addresses; a vmalloc address gives a wrong physical address (CONFIG_DEBUG_VIRTUAL warns)', rejectsStack: false, instead: 'vmalloc_to_page()/page_to_phys() per page, or kmalloc()/dma_alloc_coherent() memory', source: 'arch/x86/include/asm/io.h (6.1)' },
  { name: '__pa', arg: 0, consequence: '__pa() of a vmalloc address is not its physical address', rejectsStack: false, instead: 'vmalloc_to_page() per page, or kmalloc() memory', source: 'arch/x86/include/asm/page.h (6.1)' },
  { name: 'virt_to_page', arg: 0, consequence: 'virt_to_page() works on the linear map only; a vmalloc address yields a bogus struct page', rejectsStack: false, instead: 'vmalloc_to_page()', source: 'include/linux/mm.h (6.1)' },
  { name: 'sg_init_one', arg: 1, consequence: 'sg_init_one() calls virt_to_page() on the buffer (DEBUG_SG: BUG_ON(!virt_addr_valid(buf)))', rejectsStack: true, instead: 'kmalloc() memory, or sg_alloc_table_from_pages() over vmalloc_to_page() pages', source: 'lib/scatterlist.c, include/linux/scatterlist.h (6.1)' },
  { name: 'sg_set_buf', arg: 1, consequence: 'sg_set_buf() calls virt_to_page() on the buffer (DEBUG_SG: BUG_ON(!virt_addr_valid(buf)))', rejectsStack: true, instead: 'kmalloc() memory, or sg_set_page() with vmalloc_to_page() per page', source: 'include/linux/scatterlist.h (6.1)' },
  { name: 'usb_bulk_msg', lengthArg: 3, arg: 2, consequence: `the data buffer must be DMA-able ("allocate it with kmalloc() or equivalent"): ${USB_HCD}`, rejectsStack: true, instead: 'kmalloc() the buffer', source: 'drivers/usb/core/message.c, drivers/usb/core/hcd.c (6.1)' },
  { name: 'usb_interrupt_msg', lengthArg: 3, arg: 2, consequence: `the data buffer must be DMA-able: ${USB_HCD}`, rejectsStack: true, instead: 'kmalloc() the buffer', source: 'drivers/usb/core/message.c, drivers/usb/core/hcd.c (6.1)' },
  { name: 'usb_control_msg', lengthArg: 7, arg: 6, consequence: `the data buffer must be DMA-able: ${USB_HCD}`, rejectsStack: true, instead: 'kmalloc() the buffer, or usb_control_msg_send()/usb_control_msg_recv(), which copy', source: 'drivers/usb/core/message.c, drivers/usb/core/hcd.c (6.1)' },
  { name: 'usb_fill_bulk_urb', lengthArg: 4, arg: 3, consequence: `urb->transfer_buffer must be DMA-able: ${USB_HCD}`, rejectsStack: true, instead: 'kmalloc() or usb_alloc_coherent() the buffer', source: 'include/linux/usb.h, drivers/usb/core/hcd.c (6.1)' },
  { name: 'usb_fill_int_urb', lengthArg: 4, arg: 3, consequence: `urb->transfer_buffer must be DMA-able: ${USB_HCD}`, rejectsStack: true, instead: 'kmalloc() or usb_alloc_coherent() the buffer', source: 'include/linux/usb.h, drivers/usb/core/hcd.c (6.1)' },
  { name: 'usb_fill_control_urb', lengthArg: 5, arg: 4, moreArgs: [3], consequence: `the setup packet and urb->transfer_buffer must be DMA-able: ${USB_HCD}`, rejectsStack: true, instead: 'kmalloc() or usb_alloc_coherent() the buffer', source: 'include/linux/usb.h, drivers/usb/core/hcd.c (6.1)' },
] as const satisfies readonly ContiguousSink[];

export interface ContiguousField {
  field: string;
  owner: string;
  /**
   * vmalloc memory is wrong here. Not for SPI: spi_map_buf_attrs() checks is_vmalloc_addr() and
   * maps vmalloc buffers page by page with vmalloc_to_page() (drivers/spi/spi.c, 6.1).
   */
  rejectsVmalloc: boolean;
  rejectsStack: boolean;
  /**
   * Calls that hand the struct to the core, which maps it; without one in the function the
   * buffer may only feed the driver's own PIO code (an SPI controller's exec_mem_op). Absent:
   * the assignment alone counts.
   */
  submittedBy?: readonly string[];
  /** The field name is generic (`rx_buf`): the owner type must be known to be `owner`. */
  ownerRequired: boolean;
  consequence: string;
  instead: string;
  source: string;
}

/** Calls that queue a struct spi_transfer on the SPI core (include/linux/spi/spi.h, 6.1). */
const SPI_SUBMIT = ['spi_sync', 'spi_async', 'spi_sync_transfer', 'spi_sync_locked', 'spi_message_add_tail', 'spi_message_init_with_transfers', 'spi_bus_lock'];

/** Struct fields that must hold DMA-able memory when assigned: `urb->transfer_buffer = p`. */
export const CONTIGUOUS_FIELDS = [
  { field: 'transfer_buffer', owner: 'struct urb', rejectsVmalloc: true, rejectsStack: true, ownerRequired: false, consequence: USB_HCD, instead: 'kmalloc() or usb_alloc_coherent() the buffer', source: 'include/linux/usb.h, drivers/usb/core/hcd.c (6.1)' },
  { field: 'setup_packet', owner: 'struct urb', rejectsVmalloc: true, rejectsStack: true, ownerRequired: false, consequence: 'usb_hcd_map_urb_for_dma() maps the setup packet with dma_map_single(); a stack setup packet gets WARN_ONCE "setup packet is on stack" and -EAGAIN', instead: 'kmalloc() the setup packet', source: 'drivers/usb/core/hcd.c (6.1)' },
  { field: 'tx_buf', owner: 'struct spi_transfer', rejectsVmalloc: false, rejectsStack: true, ownerRequired: true, submittedBy: SPI_SUBMIT, consequence: 'SPI transfer buffers must be DMA-safe: "Don\'t use the stack" — the controller may DMA into a cache line the stack shares', instead: 'kmalloc() the buffer, or spi_write_then_read(), which copies', source: 'Documentation/spi/spi-summary.rst, drivers/spi/spi.c (6.1)' },
  { field: 'rx_buf', owner: 'struct spi_transfer', rejectsVmalloc: false, rejectsStack: true, ownerRequired: true, submittedBy: SPI_SUBMIT, consequence: 'SPI transfer buffers must be DMA-safe: "Don\'t use the stack" — the controller may DMA into a cache line the stack shares', instead: 'kmalloc() the buffer, or spi_write_then_read(), which copies', source: 'Documentation/spi/spi-summary.rst, drivers/spi/spi.c (6.1)' },
] as const satisfies readonly ContiguousField[];

/**
 * The physically contiguous counterpart of a vmalloc-family allocator, for the quick fix:
 * `gfp` = the GFP_KERNEL argument to add (vmalloc implies GFP_KERNEL), absent when the
 * original call already passes a mask in the same position.
 */
export interface ContiguousReplacement {
  from: string;
  to: string;
  addGfp?: 'GFP_KERNEL';
}

export const CONTIGUOUS_REPLACEMENTS = [
  { from: 'vmalloc', to: 'kmalloc', addGfp: 'GFP_KERNEL' },
  { from: 'vzalloc', to: 'kzalloc', addGfp: 'GFP_KERNEL' },
  { from: 'vmalloc_array', to: 'kmalloc_array', addGfp: 'GFP_KERNEL' },
  { from: 'vcalloc', to: 'kcalloc', addGfp: 'GFP_KERNEL' },
  { from: '__vmalloc', to: 'kmalloc' },
  { from: 'kvmalloc', to: 'kmalloc' },
  { from: 'kvzalloc', to: 'kzalloc' },
  { from: 'kvmalloc_array', to: 'kmalloc_array' },
  { from: 'kvcalloc', to: 'kcalloc' },
] as const satisfies readonly ContiguousReplacement[];

/** Calls that only make sense on vmalloc memory: an allocation passed to them must stay vmalloc. */
export const VMALLOC_ONLY_USES: readonly string[] = [
  'vmalloc_to_page',
  'vmalloc_to_pfn',
  'remap_vmalloc_range',
  'remap_vmalloc_range_partial',
  'is_vmalloc_addr',
  'vmalloc_to_phys',
];

const sinksByName = new Map<string, ContiguousSink>(CONTIGUOUS_SINKS.map((sink) => [sink.name, sink]));
const fieldsByName = new Map<string, ContiguousField>(CONTIGUOUS_FIELDS.map((field) => [field.field, field]));
const replacementsByName = new Map<string, ContiguousReplacement>(CONTIGUOUS_REPLACEMENTS.map((row) => [row.from, row]));

export function contiguousSink(name: string): ContiguousSink | undefined {
  return sinksByName.get(name);
}

export function contiguousField(name: string): ContiguousField | undefined {
  return fieldsByName.get(name);
}

export function contiguousReplacement(name: string): ContiguousReplacement | undefined {
  return replacementsByName.get(name);
}
