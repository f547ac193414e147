// APIs that need physically contiguous, linearly mapped memory in one of their arguments
// (../shared/kernel-alloc-facts.md §6, Documentation/core-api/dma-api-howto.rst). vmalloc memory
// (and, where noted, stack memory) handed to them is wrong. One row per API; the provenance and
// size rules both read this table.

export interface ContiguousSink {
  name: string;
  /** 0-based argument that must be linear-map memory. */
  arg: number;
  /** What the kernel does with a vmalloc pointer there. */
  consequence: string;
  /** Stack memory is also wrong here (USB and SPI buffers, DMA mappings). */
  rejectsStack: boolean;
  /** What to use instead, in a kernel developer's words. */
  instead: string;
  source: string;
}

export const CONTIGUOUS_SINKS = [
  { name: 'dma_map_single', arg: 1, consequence: 'dma_map_single() rejects vmalloc memory: dev_WARN_ONCE "rejecting DMA map of vmalloc memory" and DMA_MAPPING_ERROR', rejectsStack: true, instead: 'kmalloc() below the largest slab size, dma_alloc_coherent(), or map each page with vmalloc_to_page() and dma_map_page()', source: 'include/linux/dma-mapping.h (6.1)' },
  { name: 'dma_map_single_attrs', arg: 1, consequence: 'vmalloc memory is rejected with a WARN and DMA_MAPPING_ERROR', rejectsStack: true, instead: 'kmalloc() or dma_alloc_coherent()', source: 'include/linux/dma-mapping.h (6.1)' },
  { name: 'virt_to_phys', arg: 0, consequence: 'virt_to_phys() is only valid for directly mapped (kmalloc) addresses; a vmalloc address gives a wrong physical address (CONFIG_DEBUG_VIRTUAL warns)', rejectsStack: false, instead: 'vmalloc_to_page()/page_to_phys() per page, or kmalloc()/dma_alloc_coherent() memory', source: 'arch/x86/include/asm/io.h (6.1)' },
  { name: '__pa', arg: 0, consequence: '__pa() of a vmalloc address is not its physical address', rejectsStack: false, instead: 'vmalloc_to_page() per page, or kmalloc() memory', source: 'arch/x86/include/asm/page.h (6.1)' },
  { name: 'virt_to_page', arg: 0, consequence: 'virt_to_page() works on the linear map only; a vmalloc address yields a bogus struct page', rejectsStack: false, instead: 'vmalloc_to_page()', source: 'include/linux/mm.h (6.1)' },
  { name: 'sg_init_one', arg: 1, consequence: 'sg_init_one() calls virt_to_page() on the buffer (DEBUG_SG: BUG_ON(!virt_addr_valid(buf)))', rejectsStack: true, instead: 'kmalloc() memory, or sg_alloc_table_from_pages() over vmalloc_to_page() pages', source: 'lib/scatterlist.c (6.1)' },
  { name: 'sg_set_buf', arg: 1, consequence: 'sg_set_buf() calls virt_to_page() on the buffer (DEBUG_SG: BUG_ON(!virt_addr_valid(buf)))', rejectsStack: true, instead: 'kmalloc() memory, or sg_set_page() with vmalloc_to_page() per page', source: 'include/linux/scatterlist.h (6.1)' },
  { name: 'usb_bulk_msg', arg: 2, consequence: 'the transfer buffer must be suitable for DMA ("allocate it with kmalloc() or equivalent")', rejectsStack: true, instead: 'kmalloc() the buffer', source: 'drivers/usb/core/message.c (6.1)' },
  { name: 'usb_interrupt_msg', arg: 2, consequence: 'the transfer buffer must be suitable for DMA', rejectsStack: true, instead: 'kmalloc() the buffer', source: 'drivers/usb/core/message.c (6.1)' },
  { name: 'usb_control_msg', arg: 6, consequence: 'the data buffer must be suitable for DMA', rejectsStack: true, instead: 'kmalloc() the buffer, or usb_control_msg_send()/usb_control_msg_recv(), which copy', source: 'drivers/usb/core/message.c (6.1)' },
  { name: 'usb_fill_bulk_urb', arg: 3, consequence: 'urb->transfer_buffer must be DMA-able', rejectsStack: true, instead: 'kmalloc() or usb_alloc_coherent() the buffer', source: 'include/linux/usb.h (6.1)' },
  { name: 'usb_fill_int_urb', arg: 3, consequence: 'urb->transfer_buffer must be DMA-able', rejectsStack: true, instead: 'kmalloc() or usb_alloc_coherent() the buffer', source: 'include/linux/usb.h (6.1)' },
  { name: 'usb_fill_control_urb', arg: 4, consequence: 'urb->transfer_buffer must be DMA-able', rejectsStack: true, instead: 'kmalloc() or usb_alloc_coherent() the buffer', source: 'include/linux/usb.h (6.1)' },
] as const satisfies readonly ContiguousSink[];

/** Struct fields that must hold DMA-able memory when assigned: `urb->transfer_buffer = p`. */
export const CONTIGUOUS_FIELDS = [
  { field: 'transfer_buffer', owner: 'struct urb', rejectsStack: true, source: 'include/linux/usb.h (6.1)' },
  { field: 'tx_buf', owner: 'struct spi_transfer', rejectsStack: true, source: 'Documentation/spi/spi-summary.rst (6.1)' },
  { field: 'rx_buf', owner: 'struct spi_transfer', rejectsStack: true, source: 'Documentation/spi/spi-summary.rst (6.1)' },
] as const;

const sinksByName = new Map<string, ContiguousSink>(CONTIGUOUS_SINKS.map((sink) => [sink.name, sink]));

export function contiguousSink(name: string): ContiguousSink | undefined {
  return sinksByName.get(name);
}
