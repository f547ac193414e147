// Real historic upstream fixes, each put back into linux-source-6.1 (6.1.192, which holds the fixed
// code) by a few exact token edits: the recall corpus of issue 11. Only edits are kept here, never
// kernel source. `subject` is the upstream commit subject as Debian's changelog of linux-source-6.1
// lists it, `debian` the changelog entry it appears under. `expect.line` is the line of the sleeping
// call, allocation or free in the reverted file, and `expect.at` a string found exactly once in it that ends
// on that line (the runner checks both). `missClass` says, from reading the code, why the tool misses the case;
// it is empty for a case the tool finds.
import type { TokenEdit } from './edits';

export type RecallRule = 'sleep-in-atomic' | 'gfp-sleep-in-atomic' | 'noncontiguous-dma' | 'free-mismatch';

export const MISS_CLASSES = [
  /** The atomic context is entered in another folder (a core dispatcher, a timer in the core). */
  'context-other-folder',
  /** The sleeping callee lives in another folder (a core function that takes a mutex further down). */
  'callee-other-folder',
  /** The call or the entry goes through a function pointer or an ops field. */
  'ops-field',
  /** The sleeping API is not in the model's list. */
  'sleeper-not-modelled',
  /** The sleep or the lock is inside a macro. */
  'macro',
  /** A preempt-off FPU section. */
  'fpu',
  /** The GFP mask comes from a flags argument or variable. */
  'gfp-from-flags',
  /** The stack or vmalloc buffer reaches the DMA sink through helpers. */
  'buffer-through-helpers',
  /** The allocation's kind or size needs kernel-header types. */
  'header-types',
  /** A static inline stub of the same name in a header (the #else of a CONFIG_ option) hides the definition. */
  'header-stub',
  'other',
] as const;
export type MissClass = (typeof MISS_CLASSES)[number];

export interface RecallCase {
  id: string;
  subject: string;
  debian: string;
  /** Relative to the kernel tree's root. */
  file: string;
  function: string;
  /** Files of the same folder checked too: where the sleeping callee or the DMA sink is. */
  checkAlso?: string[];
  edits: TokenEdit[];
  expect: { rule: RecallRule; line: number; at: string };
  missClass?: MissClass;
  /** For a miss: what the tool lacks here, from reading the code (and any further capability it would need). */
  why?: string;
  /** What makes the code atomic, or where the buffer comes from. */
  note: string;
}

export const RECALL_CASES: readonly RecallCase[] = [
  {
    id: 'xhci-free-streams',
    subject: 'usb: xhci: Fix sleep in atomic context in xhci_free_streams()',
    debian: '6.1.180-1',
    file: 'drivers/usb/host/xhci.c',
    function: 'xhci_free_streams',
    checkAlso: ['xhci-mem.c'],
    edits: [
      { search: 'stream_info[i] = vdev->eps[ep_index].stream_info;', replace: 'xhci_free_stream_info(xhci, vdev->eps[ep_index].stream_info);' },
      { search: '\tfor (i = 0; i < num_eps; i++)\n\t\txhci_free_stream_info(xhci, stream_info[i]);\n\n', replace: '' },
    ],
    expect: { rule: 'sleep-in-atomic', line: 3799, at: 'flags);\n\tfor (i = 0; i < num_eps; i++) {\n\t\tep_index = xhci_get_endpoint_index(&eps[i]->desc);\n\t\txhci_free_stream_info(' },
    note: 'under xhci->lock (spin_lock_irqsave); xhci_free_stream_info() in xhci-mem.c calls dma_free_coherent().',
  },
  {
    id: 'usblp-dma-stack',
    subject: 'USB: usblp: fix DMA to stack',
    debian: '5.10.9-1',
    file: 'drivers/usb/class/usblp.c',
    function: 'usblp_hp_channel_change_request',
    edits: [
      { search: '{\n\tu8 *buf;\n\tint ret;\n\n\tbuf = kzalloc(1, GFP_KERNEL);\n\tif (!buf)\n\t\treturn -ENOMEM;\n\n', replace: '{\n\tint ret;\n\n' },
      { search: 'channel, buf, 1);\n\tif (ret == 0)\n\t\t*new_channel = buf[0];\n\n\tkfree(buf);\n', replace: 'channel, new_channel, 1);\n' },
    ],
    expect: { rule: 'noncontiguous-dma', line: 261, at: 'retval = usb_control_msg(usblp->dev,' },
    note: 'usblp_ioctl() passes &newChannel (a stack byte) to usblp_hp_channel_change_request(), which (a macro before the fix) hands it to usblp_ctrl_msg() and usb_control_msg().',
  },
  {
    id: 'lan966x-mac-alloc',
    subject: 'lan966x: Fix sleeping in atomic context (CVE-2025-68320)',
    debian: '6.1.192-1',
    file: 'drivers/net/ethernet/microchip/lan966x/lan966x_mac.c',
    function: 'lan966x_mac_alloc_entry',
    edits: [{ search: 'kzalloc(sizeof(*mac_entry), GFP_ATOMIC)', replace: 'kzalloc(sizeof(*mac_entry), GFP_KERNEL)' }],
    expect: { rule: 'gfp-sleep-in-atomic', line: 209, at: 'kzalloc(sizeof(*mac_entry), GFP_KERNEL)' },
    note: 'both callers (lan966x_mac_add_entry(), lan966x_mac_irq_process()) call it with lan966x->mac_lock (a spinlock) held.',
  },
  {
    id: 'bdc-ep-bd-list',
    subject: 'usb: bdc: fix sleep during atomic',
    debian: '6.1.170-1',
    file: 'drivers/usb/gadget/udc/bdc/bdc_ep.c',
    function: 'ep_bd_list_alloc',
    edits: [
      { search: 'sizeof(struct bd_table *),\n\t\t\t\t\t     GFP_ATOMIC);', replace: 'sizeof(struct bd_table *),\n\t\t\t\t\t     GFP_KERNEL);' },
      { search: 'kzalloc(sizeof(*bd_table), GFP_ATOMIC)', replace: 'kzalloc(sizeof(*bd_table), GFP_KERNEL)' },
      { search: 'dma_pool_zalloc(bdc->bd_table_pool,\n\t\t\t\t\t\t\tGFP_ATOMIC,', replace: 'dma_pool_zalloc(bdc->bd_table_pool,\n\t\t\t\t\t\t\tGFP_KERNEL,' },
    ],
    expect: { rule: 'gfp-sleep-in-atomic', line: 150, at: 'kzalloc(sizeof(*bd_table), GFP_KERNEL)' },
    note: 'bdc_gadget_ep_enable() (usb_ep_ops .enable) takes bdc->lock with spin_lock_irqsave() and calls bdc_ep_enable() -> ep_bd_list_alloc().',
  },
  {
    id: 'ehci-brcm-sof',
    subject: 'usb: ehci-brcm: fix sleep during atomic',
    debian: '6.1.170-1',
    file: 'drivers/usb/host/ehci-brcm.c',
    function: 'ehci_brcm_wait_for_sof',
    edits: [{ search: 'readl_relaxed_poll_timeout_atomic(&ehci->regs->frame_index,', replace: 'readl_relaxed_poll_timeout(&ehci->regs->frame_index,' }],
    expect: { rule: 'sleep-in-atomic', line: 34, at: 'res = readl_relaxed_poll_timeout(' },
    note: 'ehci_brcm_hub_control() calls it after local_irq_save(); readl_relaxed_poll_timeout() (linux/iopoll.h) sleeps in usleep_range().',
  },
  {
    id: 'cdc-wdm-wwan-tx-complete',
    subject: 'USB: wdm: wdm_wwan_port_tx_complete mutex in atomic context',
    debian: '6.1.137-1',
    file: 'drivers/usb/class/cdc-wdm.c',
    function: 'wdm_wwan_port_tx_complete',
    edits: [{ search: 'usb_autopm_put_interface_async(desc->intf);\n\twwan_port_txon', replace: 'usb_autopm_put_interface(desc->intf);\n\twwan_port_txon' }],
    expect: { rule: 'sleep-in-atomic', line: 879, at: 'destructor_arg;\n\n\tusb_autopm_put_interface(' },
    missClass: 'sleeper-not-modelled',
    why: 'usb_autopm_put_interface() is not in the sleeping list.',
    note: "an URB completion handler (usb_fill_control_urb() in wdm_wwan_port_tx()); usb_autopm_put_interface() takes the PM core's locks and may resume synchronously.",
  },
  {
    id: 'lan743x-dp-write',
    subject: "net: lan743x: Don't sleep in atomic context",
    debian: '6.1.52-1',
    file: 'drivers/net/ethernet/microchip/lan743x_main.c',
    function: 'lan743x_dp_write',
    edits: [
      {
        search: 'if (lan743x_csr_wait_for_bit_atomic(adapter, DP_SEL, DP_SEL_DPRDY_,\n\t\t\t\t\t    1, 40, 100, 100))',
        replace: 'if (lan743x_csr_wait_for_bit(adapter, DP_SEL, DP_SEL_DPRDY_,\n\t\t\t\t\t    1, 40, 100, 100))',
      },
      { search: 'if (lan743x_csr_wait_for_bit_atomic(adapter, DP_SEL,\n\t\t\t\t\t\t    DP_SEL_DPRDY_,', replace: 'if (lan743x_csr_wait_for_bit(adapter, DP_SEL,\n\t\t\t\t\t\t    DP_SEL_DPRDY_,' },
    ],
    expect: { rule: 'sleep-in-atomic', line: 763, at: '\tif (lan743x_csr_wait_for_bit(adapter, DP_SEL, DP_SEL_DPRDY_,' },
    note: 'reached from .ndo_set_rx_mode (lan743x_netdev_set_multicast), which net/core/dev.c calls under netif_addr_lock_bh(); lan743x_csr_wait_for_bit() is readx_poll_timeout() (linux/iopoll.h, usleep_range()).',
  },
  {
    id: 'stmmac-init-systime',
    subject: 'net: stmmac: Use readl_poll_timeout_atomic() in atomic state',
    debian: '5.17.6-1',
    file: 'drivers/net/ethernet/stmicro/stmmac/stmmac_hwtstamp.c',
    function: 'init_systime',
    edits: [{ search: 'return readl_poll_timeout_atomic(ioaddr + PTP_TCR, value,', replace: 'return readl_poll_timeout(ioaddr + PTP_TCR, value,' }],
    expect: { rule: 'sleep-in-atomic', line: 75, at: 'return readl_poll_timeout(ioaddr + PTP_TCR, value,' },
    note: 'the .init_systime op of stmmac_ptp; stmmac_set_time() (stmmac_ptp.c) calls it through stmmac_init_systime() under write_lock_irqsave(&priv->ptp_lock).',
  },
  {
    id: 'ixgbe-ipsec-vf-add-sa',
    subject: 'ixgbe: avoid sleeping allocation in ixgbe_ipsec_vf_add_sa()',
    debian: '6.1.85-1',
    file: 'drivers/net/ethernet/intel/ixgbe/ixgbe_ipsec.c',
    function: 'ixgbe_ipsec_vf_add_sa',
    edits: [
      { search: 'xs = kzalloc(sizeof(*xs), GFP_ATOMIC);', replace: 'xs = kzalloc(sizeof(*xs), GFP_KERNEL);' },
      { search: 'xs->aead = kzalloc(aead_len, GFP_ATOMIC);', replace: 'xs->aead = kzalloc(aead_len, GFP_KERNEL);' },
    ],
    expect: { rule: 'gfp-sleep-in-atomic', line: 917, at: 'xs = kzalloc(sizeof(*xs), GFP_KERNEL);' },
    missClass: 'header-stub',
    why: 'ixgbe.h also defines ixgbe_ipsec_vf_add_sa() as a static inline stub (the #else of CONFIG_IXGBE_IPSEC), so the call in ixgbe_sriov.c does not reach ixgbe_ipsec.c; a three-file fixture of the same shape is missed with the stub and found without it.',
    note: 'a VF mailbox message: ixgbe_msg_task() (ixgbe_sriov.c) holds adapter->vfs_lock (spin_lock_irqsave) around ixgbe_rcv_msg_from_vf() -> ixgbe_ipsec_vf_add_sa().',
  },
  {
    id: 'usnic-iommu-map',
    subject: 'RDMA/usnic: use iommu_map_atomic() under spin_lock()',
    debian: '6.1.12-1',
    file: 'drivers/infiniband/hw/usnic/usnic_uiom.c',
    function: 'usnic_uiom_map_sorted_intervals',
    edits: [
      {
        search: 'flags 0x%x",\n\t\t\t\t\tva_start, &pa_start, size, flags);\n\t\t\t\terr = iommu_map_atomic(',
        replace: 'flags 0x%x",\n\t\t\t\t\tva_start, &pa_start, size, flags);\n\t\t\t\terr = iommu_map(',
      },
      { search: 'err = iommu_map_atomic(pd->domain, va_start,', replace: 'err = iommu_map(pd->domain, va_start,' },
    ],
    expect: { rule: 'gfp-sleep-in-atomic', line: 280, at: 'flags 0x%x",\n\t\t\t\t\tva_start, &pa_start, size, flags);\n\t\t\t\terr = iommu_map(' },
    missClass: 'sleeper-not-modelled',
    why: 'iommu_map() (which allocates page tables with GFP_KERNEL in 6.1) is not in the model.',
    note: 'usnic_uiom_reg_get() holds pd->lock (spin_lock) around usnic_uiom_map_sorted_intervals(); iommu_map() allocates page tables with GFP_KERNEL in 6.1.',
  },
  {
    id: 'um-vector-bpf-flash',
    subject: 'um: vector: Use GFP_ATOMIC under spin lock',
    debian: '5.9.6-1',
    file: 'arch/um/drivers/vector_kern.c',
    function: 'vector_net_load_bpf_flash',
    edits: [
      { search: 'vp->bpf = kmalloc(sizeof(struct sock_fprog), GFP_ATOMIC);', replace: 'vp->bpf = kmalloc(sizeof(struct sock_fprog), GFP_KERNEL);' },
      { search: 'vp->bpf->filter = kmemdup(fw->data, fw->size, GFP_ATOMIC);', replace: 'vp->bpf->filter = kmemdup(fw->data, fw->size, GFP_KERNEL);' },
    ],
    expect: { rule: 'gfp-sleep-in-atomic', line: 1404, at: 'vp->bpf = kmalloc(sizeof(struct sock_fprog), GFP_KERNEL);' },
    note: 'between spin_lock(&vp->lock) and its unlock in the same function.',
  },
  {
    id: 'gic-v41-vpe-l1-table',
    subject: 'irqchip/gic-v4.1: Use GFP_ATOMIC flag in allocate_vpe_l1_table()',
    debian: '5.7.17-1',
    file: 'drivers/irqchip/irq-gic-v3-its.c',
    function: 'allocate_vpe_l1_table',
    edits: [
      { search: 'vpe_table_mask = kzalloc(sizeof(cpumask_t), GFP_ATOMIC);', replace: 'vpe_table_mask = kzalloc(sizeof(cpumask_t), GFP_KERNEL);' },
      { search: 'page = alloc_pages(GFP_ATOMIC | __GFP_ZERO, get_order(np * PAGE_SIZE));', replace: 'page = alloc_pages(GFP_KERNEL | __GFP_ZERO, get_order(np * PAGE_SIZE));' },
    ],
    expect: { rule: 'gfp-sleep-in-atomic', line: 2844, at: 'vpe_table_mask = kzalloc(sizeof(cpumask_t), GFP_KERNEL);' },
    missClass: 'context-other-folder',
    why: 'The atomic context is the CPU-hotplug STARTING step: gic_starting_cpu() is registered with cpuhp_setup_state_nocalls() and run by kernel/cpu.c with IRQs off on the incoming CPU.',
    note: 'its_cpu_init() runs from gic_starting_cpu(), a CPUHP_AP_IRQ_GIC_STARTING callback, with IRQs off on the incoming CPU.',
  },
  {
    id: 'pstore-zone-kmsg-buffer',
    subject: 'pstore/zone: Use GFP_ATOMIC to allocate zone buffer',
    debian: '6.1.12-1',
    file: 'fs/pstore/zone.c',
    function: 'psz_kmsg_write_record',
    edits: [{ search: 'zone->buffer = kzalloc(len, GFP_ATOMIC);', replace: 'zone->buffer = kzalloc(len, GFP_KERNEL);' }],
    expect: { rule: 'gfp-sleep-in-atomic', line: 764, at: 'zone->buffer = kzalloc(len, GFP_KERNEL);' },
    missClass: 'ops-field',
    why: 'psz_kmsg_write_record() is reached through the pstore_info .write op; pstore_dump() (platform.c) calls psinfo->write() from the kmsg dumper with IRQs off.',
    note: 'the pstore .write op: pstore_dump() (platform.c) calls psinfo->write() from a kmsg dumper, under psinfo->buf_lock with IRQs off.',
  },
  {
    id: 'dm-crypt-req-softirq',
    subject: 'dm crypt: use GFP_ATOMIC when allocating crypto requests from softirq',
    debian: '5.10.9-1',
    file: 'drivers/md/dm-crypt.c',
    function: 'crypt_alloc_req_skcipher',
    edits: [
      { search: 'ctx->r.req = mempool_alloc(&cc->req_pool, in_interrupt() ? GFP_ATOMIC : GFP_NOIO);', replace: 'ctx->r.req = mempool_alloc(&cc->req_pool, GFP_NOIO);' },
      { search: 'ctx->r.req_aead = mempool_alloc(&cc->req_pool, in_interrupt() ? GFP_ATOMIC : GFP_NOIO);', replace: 'ctx->r.req_aead = mempool_alloc(&cc->req_pool, GFP_NOIO);' },
    ],
    expect: { rule: 'gfp-sleep-in-atomic', line: 1481, at: 'ctx->r.req = mempool_alloc(&cc->req_pool, GFP_NOIO);' },
    missClass: 'context-other-folder',
    why: "The softirq caller is the crypto driver's completion: kcryptd_async_done() is registered with skcipher_request_set_callback() and called by crypto/ drivers from softirq; the same allocation also runs from a workqueue.",
    note: "with no_read_workqueue the read path runs crypt_convert() in kcryptd_crypt_tasklet() or straight from the crypto driver's softirq completion; the same path also runs in a workqueue.",
  },

  {
    id: 'n-gsm-hex-dump',
    subject: 'tty: n_gsm: Debug output allocation must use GFP_ATOMIC',
    debian: '5.18.14-1',
    file: 'drivers/tty/n_gsm.c',
    function: 'gsm_hex_dump_bytes',
    edits: [{ search: 'prefix = kasprintf(GFP_ATOMIC, "%s: ", fname);', replace: 'prefix = kasprintf(GFP_KERNEL, "%s: ", fname);' }],
    expect: { rule: 'gfp-sleep-in-atomic', line: 531, at: 'prefix = kasprintf(GFP_KERNEL, "%s: ", fname);' },
    note: 'with DBG_DATA set, gsm_send_packet() dumps the frame; it runs from gsm_data_kick(), whose callers hold gsm->tx_lock (spin_lock_irqsave).',
  },
  {
    id: 'hv-netvsc-dma-map',
    subject: 'hv_netvsc: Allocate memory in netvsc_dma_map() with GFP_ATOMIC',
    debian: '6.1.12-1',
    file: 'drivers/net/hyperv/netvsc.c',
    function: 'netvsc_dma_map',
    edits: [{ search: 'sizeof(*packet->dma_range),\n\t\t\t\t    GFP_ATOMIC);', replace: 'sizeof(*packet->dma_range),\n\t\t\t\t    GFP_KERNEL);' }],
    expect: { rule: 'gfp-sleep-in-atomic', line: 1070, at: 'packet->dma_range = kcalloc(page_count,' },
    missClass: 'other',
    why: 'The chain .ndo_start_xmit (netvsc_drv.c) -> netvsc_xmit() -> netvsc_send() (netvsc.c) -> netvsc_send_pkt() -> netvsc_dma_map() stays in the folder and uses no macro or ops field; reading the code does not show which capability is missing (to look at: a four-call cross-file chain).',
    note: 'netvsc_send() runs from .ndo_start_xmit (netvsc_drv.c) with BHs off.',
  },
  {
    id: 'amdgpu-dc-stream-for-sink',
    subject: 'drm/amd/display: Use GFP_ATOMIC in dc_create_stream_for_sink',
    debian: '6.1.170-1',
    file: 'drivers/gpu/drm/amd/display/dc/core/dc_stream.c',
    function: 'dc_create_stream_for_sink',
    edits: [{ search: 'stream = kzalloc(sizeof(struct dc_stream_state), GFP_ATOMIC);', replace: 'stream = kzalloc(sizeof(struct dc_stream_state), GFP_KERNEL);' }],
    expect: { rule: 'gfp-sleep-in-atomic', line: 168, at: 'stream = kzalloc(sizeof(struct dc_stream_state), GFP_KERNEL);' },
    missClass: 'fpu',
    why: 'The preempt-off section is DC_FP_START() (kernel_fpu_begin()) in the dml/ code that calls it, in another folder (context-other-folder).',
    note: 'called by the DML validation code inside DC_FP_START()/DC_FP_END() (kernel_fpu_begin(), preemption off), in dc/dml/.',
  },
  {
    id: 'amdgpu-dc-plane-state',
    subject: 'drm/amd/display: Use GFP_ATOMIC in dc_create_plane_state()',
    debian: '6.1.162-1',
    file: 'drivers/gpu/drm/amd/display/dc/core/dc_surface.c',
    function: 'dc_create_plane_state',
    edits: [{ search: 'kvzalloc(sizeof(*plane_state),\n\t\t\t\t\t\t\tGFP_ATOMIC);', replace: 'kvzalloc(sizeof(*plane_state),\n\t\t\t\t\t\t\tGFP_KERNEL);' }],
    expect: { rule: 'gfp-sleep-in-atomic', line: 106, at: 'struct dc_plane_state *plane_state = kvzalloc(sizeof(*plane_state),' },
    missClass: 'fpu',
    why: 'The preempt-off section is DC_FP_START() (kernel_fpu_begin()) in the dml/ code that calls it, in another folder (context-other-folder).',
    note: 'called from DML code inside DC_FP_START() (kernel_fpu_begin(), preemption off) in dc/dml/.',
  },
  {
    id: 'nfc-fw-download-done',
    subject: 'NFC: netlink: fix sleep in atomic bug when firmware download timeout',
    debian: '5.17.11-1',
    file: 'net/nfc/netlink.c',
    function: 'nfc_genl_fw_download_done',
    edits: [
      {
        search: 'u32 result)\n{\n\tstruct sk_buff *msg;\n\tvoid *hdr;\n\n\tmsg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);',
        replace: 'u32 result)\n{\n\tstruct sk_buff *msg;\n\tvoid *hdr;\n\n\tmsg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);',
      },
      {
        search:
          'NFC_ATTR_FIRMWARE_DOWNLOAD_STATUS, result) ||\n\t    nla_put_u32(msg, NFC_ATTR_DEVICE_INDEX, dev->idx))\n\t\tgoto nla_put_failure;\n\n\tgenlmsg_end(msg, hdr);\n\n\tgenlmsg_multicast(&nfc_genl_family, msg, 0, 0, GFP_ATOMIC);',
        replace:
          'NFC_ATTR_FIRMWARE_DOWNLOAD_STATUS, result) ||\n\t    nla_put_u32(msg, NFC_ATTR_DEVICE_INDEX, dev->idx))\n\t\tgoto nla_put_failure;\n\n\tgenlmsg_end(msg, hdr);\n\n\tgenlmsg_multicast(&nfc_genl_family, msg, 0, 0, GFP_KERNEL);',
      },
    ],
    expect: { rule: 'gfp-sleep-in-atomic', line: 1260, at: 'u32 result)\n{\n\tstruct sk_buff *msg;\n\tvoid *hdr;\n\n\tmsg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);' },
    missClass: 'sleeper-not-modelled',
    why: 'nlmsg_new() and genlmsg_multicast() pass their GFP mask to an allocation but are not in the model; and the timer that calls nfc_fw_download_done() is in drivers/nfc/ (context-other-folder).',
    note: "nfc_fw_download_done() (core.c) is called from a driver's firmware-download timeout timer (drivers/nfc/).",
  },
  {
    id: 'iuu-phoenix-uart-flush',
    subject: 'USB: serial: iuu_phoenix: fix DMA from stack',
    debian: '5.10.9-1',
    file: 'drivers/usb/serial/iuu_phoenix.c',
    function: 'iuu_uart_flush',
    edits: [
      { search: 'u8 *rxcmd;\n\tstruct iuu_private *priv', replace: 'u8 rxcmd = IUU_UART_RX;\n\tstruct iuu_private *priv' },
      { search: '\trxcmd = kmalloc(1, GFP_KERNEL);\n\tif (!rxcmd)\n\t\treturn -ENOMEM;\n\n\trxcmd[0] = IUU_UART_RX;\n\n', replace: '' },
      { search: 'status = bulk_immediate(port, rxcmd, 1);', replace: 'status = bulk_immediate(port, &rxcmd, 1);' },
      { search: 'out_free:\n\tkfree(rxcmd);\n', replace: 'out_free:\n' },
    ],
    expect: { rule: 'noncontiguous-dma', line: 540, at: 'status = bulk_immediate(port, &rxcmd, 1);' },
    note: 'the stack byte rxcmd goes to bulk_immediate() (same file), which passes it to usb_bulk_msg(); the runner also accepts the finding at the usb_bulk_msg() in bulk_immediate() when this call is in its chain.',
  },
  {
    id: 'usb-audio-extigy-descriptor',
    subject: 'ALSA: usb-audio: Fix a DMA to stack memory bug',
    debian: '6.1.123-1',
    file: 'sound/usb/quirks.c',
    function: 'snd_usb_extigy_boot_quirk',
    edits: [
      {
        search: 'struct usb_device_descriptor *new_device_descriptor __free(kfree) = NULL;\n\tint err;\n\n\tif (le16_to_cpu(get_cfg_desc(config)->wTotalLength) == EXTIGY_FIRMWARE_SIZE_OLD',
        replace: 'struct usb_device_descriptor new_device_descriptor;\n\tint err;\n\n\tif (le16_to_cpu(get_cfg_desc(config)->wTotalLength) == EXTIGY_FIRMWARE_SIZE_OLD',
      },
      {
        search:
          'dev_dbg(&dev->dev, "error sending boot message: %d\\n", err);\n\n\t\tnew_device_descriptor = kmalloc(sizeof(*new_device_descriptor), GFP_KERNEL);\n\t\tif (!new_device_descriptor)\n\t\t\treturn -ENOMEM;\n\t\terr = usb_get_descriptor(dev, USB_DT_DEVICE, 0,\n\t\t\t\tnew_device_descriptor, sizeof(*new_device_descriptor));\n\t\tif (err < 0)\n\t\t\tdev_dbg(&dev->dev, "error usb_get_descriptor: %d\\n", err);\n\t\tif (new_device_descriptor->bNumConfigurations > dev->descriptor.bNumConfigurations)\n\t\t\tdev_dbg(&dev->dev, "error too large bNumConfigurations: %d\\n",\n\t\t\t\tnew_device_descriptor->bNumConfigurations);\n\t\telse\n\t\t\tmemcpy(&dev->descriptor, new_device_descriptor, sizeof(dev->descriptor));',
        replace:
          'dev_dbg(&dev->dev, "error sending boot message: %d\\n", err);\n\n\t\terr = usb_get_descriptor(dev, USB_DT_DEVICE, 0,\n\t\t\t\t&new_device_descriptor, sizeof(new_device_descriptor));\n\t\tif (err < 0)\n\t\t\tdev_dbg(&dev->dev, "error usb_get_descriptor: %d\\n", err);\n\t\tif (new_device_descriptor.bNumConfigurations > dev->descriptor.bNumConfigurations)\n\t\t\tdev_dbg(&dev->dev, "error too large bNumConfigurations: %d\\n",\n\t\t\t\tnew_device_descriptor.bNumConfigurations);\n\t\telse\n\t\t\tmemcpy(&dev->descriptor, &new_device_descriptor, sizeof(dev->descriptor));',
      },
    ],
    expect: { rule: 'noncontiguous-dma', line: 568, at: '"error sending boot message: %d\\n", err);\n\n\t\terr = usb_get_descriptor(' },
    missClass: 'buffer-through-helpers',
    why: 'usb_get_descriptor() is not a DMA sink in the model; it hands the buffer to usb_control_msg() in drivers/usb/core/message.c, another folder.',
    note: 'usb_get_descriptor() (drivers/usb/core/message.c) reads into the buffer with usb_control_msg(); here it is a struct on the stack.',
  },
  {
    id: 'uvc-g-input',
    subject: "media: uvc: don't do DMA on stack",
    debian: '5.14.6-1',
    file: 'drivers/media/usb/uvc/uvc_v4l2.c',
    function: 'uvc_ioctl_g_input',
    edits: [
      {
        search: 'u8 *buf;\n\tint ret;\n\n\tif (chain->selector == NULL ||\n\t    (chain->dev->quirks & UVC_QUIRK_IGNORE_SELECTOR_UNIT)) {\n\t\t*input = 0;',
        replace: 'u8 i;\n\tint ret;\n\n\tif (chain->selector == NULL ||\n\t    (chain->dev->quirks & UVC_QUIRK_IGNORE_SELECTOR_UNIT)) {\n\t\t*input = 0;',
      },
      { search: '\tbuf = kmalloc(1, GFP_KERNEL);\n\tif (!buf)\n\t\treturn -ENOMEM;\n\n\tret = uvc_query_ctrl(chain->dev, UVC_GET_CUR,', replace: '\tret = uvc_query_ctrl(chain->dev, UVC_GET_CUR,' },
      { search: '\t\t\t     buf, 1);\n\tif (!ret)\n\t\t*input = *buf - 1;\n\n\tkfree(buf);\n', replace: '\t\t\t     &i, 1);\n\tif (!ret)\n\t\t*input = i - 1;\n' },
    ],
    expect: { rule: 'noncontiguous-dma', line: 934, at: '\tret = uvc_query_ctrl(chain->dev, UVC_GET_CUR, chain->selector->id,' },
    note: 'the stack byte i goes to uvc_query_ctrl() -> __uvc_query_ctrl() (uvc_video.c), which passes it to usb_control_msg().',
  },
  {
    id: 'maxim-thermocouple-read',
    subject: 'iio: temp: maxim-thermocouple: Fix potential lack of DMA safe buffer.',
    debian: '6.1.139-1',
    file: 'drivers/iio/temperature/maxim_thermocouple.c',
    function: 'maxim_thermocouple_read',
    edits: [
      {
        search: 'unsigned int shift = chan->scan_type.shift + (chan->address * 8);\n\tint ret;',
        replace: 'unsigned int shift = chan->scan_type.shift + (chan->address * 8);\n\t__be16 buf16;\n\t__be32 buf32;\n\tint ret;',
      },
      {
        search: 'ret = spi_read(data->spi, &data->buffer.raw16, storage_bytes);\n\t\t*val = be16_to_cpu(data->buffer.raw16);',
        replace: 'ret = spi_read(data->spi, (void *)&buf16, storage_bytes);\n\t\t*val = be16_to_cpu(buf16);',
      },
      {
        search: 'ret = spi_read(data->spi, &data->buffer.raw32, storage_bytes);\n\t\t*val = be32_to_cpu(data->buffer.raw32);',
        replace: 'ret = spi_read(data->spi, (void *)&buf32, storage_bytes);\n\t\t*val = be32_to_cpu(buf32);',
      },
    ],
    expect: { rule: 'noncontiguous-dma', line: 148, at: 'ret = spi_read(data->spi, (void *)&buf16, storage_bytes);' },
    missClass: 'buffer-through-helpers',
    why: "spi_read() is a static inline in include/linux/spi/spi.h that fills a struct spi_transfer .rx_buf; the model knows the .rx_buf field but not spi_read() as a sink, and does not read the header's body.",
    note: 'spi_read() (include/linux/spi/spi.h) puts the buffer in a struct spi_transfer .rx_buf and calls spi_sync_transfer(); here a stack __be16.',
  },
  {
    id: 'macronix-ecc-status',
    subject: 'mtd: spinand: macronix: use scratch buffer for DMA operation',
    debian: '6.1.170-1',
    file: 'drivers/mtd/nand/spi/macronix.c',
    function: 'mx35lf1ge4ab_ecc_get_status',
    edits: [
      { search: 'if (mx35lf1ge4ab_get_eccsr(spinand, spinand->scratchbuf))', replace: 'if (mx35lf1ge4ab_get_eccsr(spinand, &eccsr))' },
      { search: '\n\t\teccsr = *spinand->scratchbuf;', replace: '' },
    ],
    expect: { rule: 'noncontiguous-dma', line: 86, at: 'if (mx35lf1ge4ab_get_eccsr(spinand, &eccsr))' },
    missClass: 'buffer-through-helpers',
    why: 'The buffer reaches the DMA mapping through the SPI_MEM_OP_DATA_IN() initializer macro of a struct spi_mem_op and spi_mem_exec_op() in drivers/spi/spi-mem.c; neither is a sink in the model.',
    note: 'the stack byte eccsr becomes the SPI_MEM_OP_DATA_IN() buffer of a spi_mem_op that mx35lf1ge4ab_get_eccsr() runs with spi_mem_exec_op() (drivers/spi/spi-mem.c maps it for DMA).',
  },
  {
    id: 'mlx5-ct-fs-smfs-matcher',
    subject: 'net/mlx5: use kvfree() for kvzalloc() in mlx5_ct_fs_smfs_matcher_create',
    debian: '5.18.5-1',
    file: 'drivers/net/ethernet/mellanox/mlx5/core/en/tc/ct_fs_smfs.c',
    function: 'mlx5_ct_fs_smfs_matcher_create',
    edits: [{ search: 'dr_matcher = mlx5_smfs_matcher_create(tbl, priority, spec);\n\tkvfree(spec);', replace: 'dr_matcher = mlx5_smfs_matcher_create(tbl, priority, spec);\n\tkfree(spec);' }],
    expect: { rule: 'free-mismatch', line: 104, at: 'priority, spec);\n\tkfree(spec);' },
    note: 'spec = kvzalloc() in the same function.',
  },
  {
    id: 'mlx5e-ipsec-rx-fs-create',
    subject: 'net/mlx5e: IPsec: Use kvfree() for memory allocated with kvzalloc()',
    debian: '5.9.6-1',
    file: 'drivers/net/ethernet/mellanox/mlx5/core/en_accel/ipsec_fs.c',
    function: 'rx_fs_create',
    edits: [{ search: 'fs_prot->miss_rule = miss_rule;\nout:\n\tkvfree(flow_group_in);\n\tkvfree(spec);', replace: 'fs_prot->miss_rule = miss_rule;\nout:\n\tkfree(flow_group_in);\n\tkfree(spec);' }],
    expect: { rule: 'free-mismatch', line: 151, at: 'fs_prot->miss_rule = miss_rule;\nout:\n\tkfree(flow_group_in);' },
    note: 'flow_group_in and spec = kvzalloc() in the same function.',
  },
  {
    id: 'panfrost-free-sgts',
    subject: 'drm/panfrost: Use kvfree() to free bo->sgts',
    debian: '5.7.17-1',
    file: 'drivers/gpu/drm/panfrost/panfrost_gem.c',
    function: 'panfrost_gem_free_object',
    edits: [{ search: '\t\tkvfree(bo->sgts);\n\t}\n\n\tdrm_gem_shmem_free(&bo->base);', replace: '\t\tkfree(bo->sgts);\n\t}\n\n\tdrm_gem_shmem_free(&bo->base);' }],
    expect: { rule: 'free-mismatch', line: 49, at: '\t\tkfree(bo->sgts);' },
    note: 'bo->sgts = kvmalloc_array() in panfrost_mmu_map_fault_addr() (panfrost_mmu.c, same folder).',
  },
  {
    id: 'afs-more-files',
    subject: 'afs: use kvfree() to free memory allocated by kvcalloc()',
    debian: '6.1.180-1',
    file: 'fs/afs/fs_operation.c',
    function: 'afs_put_operation',
    edits: [{ search: '\t\tkvfree(op->more_files);', replace: '\t\tkfree(op->more_files);' }],
    expect: { rule: 'free-mismatch', line: 243, at: '\t\tkfree(op->more_files);' },
    note: 'op->more_files = kvcalloc() in afs_do_lookup() (dir.c, same folder).',
  },
  {
    id: 'ext4-orphan-info',
    subject: 'ext4: free orphan info with kvfree',
    debian: '6.1.158-1',
    file: 'fs/ext4/orphan.c',
    function: 'ext4_init_orphan_info',
    edits: [
      { search: '\tkvfree(oi->of_binfo);\n}', replace: '\tkfree(oi->of_binfo);\n}' },
      { search: '\tkvfree(oi->of_binfo);\nout_put:', replace: '\tkfree(oi->of_binfo);\nout_put:' },
    ],
    expect: { rule: 'free-mismatch', line: 648, at: '\tkfree(oi->of_binfo);\nout_put:' },
    note: 'oi->of_binfo = kvmalloc_array() earlier in the same function; ext4_release_orphan_info() frees it with kfree() too.',
  },
  {
    id: 'hisi-ptt-trace-idle',
    subject: 'hwtracing: hisi_ptt: Fix potential sleep in atomic context',
    debian: '6.1.52-1',
    file: 'drivers/hwtracing/ptt/hisi_ptt.c',
    function: 'hisi_ptt_wait_trace_hw_idle',
    edits: [
      { search: 'return !readl_poll_timeout_atomic(hisi_ptt->iobase + HISI_PTT_TRACE_STS,', replace: 'return !readl_poll_timeout(hisi_ptt->iobase + HISI_PTT_TRACE_STS,' },
      { search: 'return !readl_poll_timeout_atomic(hisi_ptt->iobase + HISI_PTT_TRACE_WR_STS,', replace: 'return !readl_poll_timeout(hisi_ptt->iobase + HISI_PTT_TRACE_WR_STS,' },
    ],
    expect: { rule: 'sleep-in-atomic', line: 168, at: 'return !readl_poll_timeout(hisi_ptt->iobase + HISI_PTT_TRACE_STS,' },
    missClass: 'macro',
    why: 'readl_poll_timeout() is a macro (linux/iopoll.h).',
    note: 'hisi_ptt_pmu_stop() (.stop of the perf pmu) calls it under spin_lock(&hisi_ptt->pmu_lock); readl_poll_timeout() (linux/iopoll.h) sleeps in usleep_range().',
  },
  {
    id: 'omap-prm-reset-deassert',
    subject: 'soc: ti: omap-prm: use atomic iopoll instead of sleeping one',
    debian: '5.7.10-1',
    file: 'drivers/soc/ti/omap_prm.c',
    function: 'omap_reset_deassert',
    edits: [
      {
        search: 'ret = readl_relaxed_poll_timeout_atomic(reset->prm->base +\n\t\t\t\t\t\treset->prm->data->rstctrl,',
        replace: 'ret = readl_relaxed_poll_timeout(reset->prm->base +\n\t\t\t\t\t\treset->prm->data->rstctrl,',
      },
      {
        search: 'ret = readl_relaxed_poll_timeout_atomic(reset->prm->base +\n\t\t\t\t\t\t reset->prm->data->rstst,',
        replace: 'ret = readl_relaxed_poll_timeout(reset->prm->base +\n\t\t\t\t\t\t reset->prm->data->rstst,',
      },
    ],
    expect: { rule: 'sleep-in-atomic', line: 832, at: '/* wait for the reset bit to clear */\n\tret = readl_relaxed_poll_timeout(' },
    missClass: 'macro',
    why: "readl_relaxed_poll_timeout() is a macro; and the atomic caller is the reset core's .deassert, reached from ti-sysc in another folder (context-other-folder).",
    note: 'the reset_control_ops .deassert; ti-sysc deasserts resets from its runtime-PM callbacks, which run with IRQs off (pm_runtime_irq_safe()).',
  },
  {
    id: 'xhci-check-maxpacket',
    subject: 'xhci: Do not use GFP_KERNEL in (potentially) atomic context',
    debian: '5.10.38-1',
    file: 'drivers/usb/host/xhci.c',
    function: 'xhci_check_maxpacket',
    edits: [
      {
        search: 'command = xhci_alloc_command(xhci, true, mem_flags);\n\t\tif (!command)\n\t\t\treturn -ENOMEM;\n\n\t\tcommand->in_ctx = xhci->devs[slot_id]->in_ctx;',
        replace: 'command = xhci_alloc_command(xhci, true, GFP_KERNEL);\n\t\tif (!command)\n\t\t\treturn -ENOMEM;\n\n\t\tcommand->in_ctx = xhci->devs[slot_id]->in_ctx;',
      },
    ],
    expect: {
      rule: 'gfp-sleep-in-atomic',
      line: 1637,
      at: 'command = xhci_alloc_command(xhci, true, GFP_KERNEL);\n\t\tif (!command)\n\t\t\treturn -ENOMEM;\n\n\t\tcommand->in_ctx = xhci->devs[slot_id]->in_ctx;',
    },
    missClass: 'context-other-folder',
    why: 'Atomic only when a driver elsewhere calls usb_submit_urb(urb, GFP_ATOMIC) (e.g. from a completion handler); xhci_urb_enqueue() is the hc_driver .urb_enqueue op called by the USB core with that mem_flags.',
    note: 'xhci_urb_enqueue() (hc_driver .urb_enqueue) gets mem_flags from usb_submit_urb(), which drivers call with GFP_ATOMIC from completion handlers; the fix passes mem_flags down.',
  },
  {
    id: 'amd-iommu-increase-address-space',
    subject: 'iommu/amd: Fix sleeping in atomic in increase_address_space()',
    debian: '5.10.24-1',
    file: 'drivers/iommu/amd/io_pgtable.c',
    function: 'increase_address_space',
    edits: [
      {
        search: 'bool ret = true;\n\tu64 *pte;\n\n\tpte = (void *)get_zeroed_page(gfp);\n\tif (!pte)\n\t\treturn false;\n\n\tspin_lock_irqsave(&domain->lock, flags);',
        replace: 'bool ret = true;\n\tu64 *pte = NULL;\n\n\tspin_lock_irqsave(&domain->lock, flags);',
      },
      {
        search: '\t*pte = PM_LEVEL_PDE(domain->iop.mode, iommu_virt_to_phys(domain->iop.root));',
        replace: '\tpte = (void *)get_zeroed_page(gfp);\n\tif (!pte)\n\t\tgoto out;\n\n\t*pte = PM_LEVEL_PDE(domain->iop.mode, iommu_virt_to_phys(domain->iop.root));',
      },
    ],
    expect: { rule: 'gfp-sleep-in-atomic', line: 168, at: 'goto out;\n\n\tpte = (void *)get_zeroed_page(gfp);' },
    missClass: 'gfp-from-flags',
    why: "get_zeroed_page(gfp) under domain->lock: the mask is the caller's, passed down from iommu_map() through the io_pgtable .map_pages op; GFP_KERNEL there.",
    note: "the allocation moved back under domain->lock (spin_lock_irqsave); gfp is the caller's: iommu_v1_map_page() passes the mask iommu_map() got, GFP_KERNEL from iommu_map().",
  },
  {
    id: 'ath11k-ppdu-desc',
    subject: 'ath11k: Use GFP_ATOMIC instead of GFP_KERNEL in ath11k_dp_htt_get_ppdu_desc',
    debian: '5.9.6-1',
    file: 'drivers/net/wireless/ath/ath11k/dp_rx.c',
    function: 'ath11k_dp_htt_get_ppdu_desc',
    edits: [{ search: 'ppdu_info = kzalloc(sizeof(*ppdu_info), GFP_ATOMIC);', replace: 'ppdu_info = kzalloc(sizeof(*ppdu_info), GFP_KERNEL);' }],
    expect: { rule: 'gfp-sleep-in-atomic', line: 1558, at: 'ppdu_info = kzalloc(sizeof(*ppdu_info), GFP_KERNEL);' },
    missClass: 'other',
    why: 'The caller ath11k_htt_pull_ppdu_stats() holds rcu_read_lock() in the same file and the callee drops spin_lock_bh() before the allocation; a small fixture of that shape is found, so the cause is not a missing capability named here (to look at).',
    note: 'its caller ath11k_htt_pull_ppdu_stats() holds rcu_read_lock() (same file).',
  },
  {
    id: 'rtl8192u-auth-parse',
    subject: 'staging: rtl8192u: Do not use GFP_KERNEL in atomic context',
    debian: '5.9.6-1',
    file: 'drivers/staging/rtl8192u/ieee80211/ieee80211_softmac.c',
    function: 'auth_parse',
    edits: [{ search: '*challenge = kmemdup(t, *chlen, GFP_ATOMIC);', replace: '*challenge = kmemdup(t, *chlen, GFP_KERNEL);' }],
    expect: { rule: 'gfp-sleep-in-atomic', line: 1479, at: '*challenge = kmemdup(t, *chlen, GFP_KERNEL);' },
    missClass: 'context-other-folder',
    why: 'The RX tasklet rtl8192_irq_rx_tasklet() is in r8192U_core.c, in the parent folder drivers/staging/rtl8192u/.',
    note: 'the RX tasklet rtl8192_irq_rx_tasklet() (r8192U_core.c, the parent folder) -> ieee80211_rx() -> ieee80211_rx_frame_softmac() -> ieee80211_check_auth_response() -> auth_parse().',
  },
  {
    id: 'pm80xx-phy-up-delay',
    subject: 'scsi: pm80xx: Do not sleep in atomic context',
    debian: '5.10.4-1',
    file: 'drivers/scsi/pm8001/pm80xx_hwi.c',
    function: 'hw_event_sas_phy_up',
    edits: [{ search: '\t\tmdelay(200); /* delay a moment to wait for disk to spin up */', replace: '\t\tmsleep(200); /* delay a moment to wait for disk to spin up */' }],
    expect: { rule: 'sleep-in-atomic', line: 3331, at: '\t\tmsleep(200); /* delay a moment to wait for disk to spin up */' },
    missClass: 'ops-field',
    why: 'process_oq() runs from pm80xx_chip_isr(), the .isr op of the pm8001_dispatch table that pm8001_init.c calls from its IRQ handler or tasklet.',
    note: 'process_oq() runs from the .isr op (pm80xx_chip_isr) that pm8001_init.c calls from its IRQ handler or tasklet.',
  },
  {
    id: 'apparmor-free-data',
    subject: 'apparmor: use kvfree_sensitive to free data->data',
    debian: '6.1.106-1',
    file: 'security/apparmor/policy.c',
    function: 'aa_free_data',
    edits: [{ search: '\tkvfree_sensitive(data->data, data->size);\n\tkfree_sensitive(data->key);', replace: '\tkfree_sensitive(data->data);\n\tkfree_sensitive(data->key);' }],
    expect: { rule: 'free-mismatch', line: 214, at: '\tkfree_sensitive(data->data);' },
    missClass: 'other',
    why: 'data->data is allocated with kvmemdup() in unpack_profile() (policy_unpack.c) and freed in aa_free_data(), the rhashtable free callback, which gets it as a void *ptr: no provenance crosses the callback and the cast.',
    note: 'data->data = kvmemdup() in unpack_profile() (policy_unpack.c, same folder); aa_free_data() is the rhashtable free callback.',
  },
  {
    id: 'au1000-close-free-irq',
    subject: 'net: au1000: move free_irq out of the close-time spinlocked section',
    debian: '6.1.190-1',
    file: 'drivers/net/ethernet/amd/au1000_eth.c',
    function: 'au1000_close',
    edits: [
      {
        search: 'netif_stop_queue(dev);\n\n\tspin_unlock_irqrestore(&aup->lock, flags);\n\n\t/* disable the interrupt */\n\tfree_irq(dev->irq, dev);\n',
        replace: 'netif_stop_queue(dev);\n\n\t/* disable the interrupt */\n\tfree_irq(dev->irq, dev);\n\tspin_unlock_irqrestore(&aup->lock, flags);\n',
      },
    ],
    expect: { rule: 'sleep-in-atomic', line: 947, at: '/* disable the interrupt */\n\tfree_irq(dev->irq, dev);' },
    note: 'free_irq() (which waits for a running handler and takes a mutex) between spin_lock_irqsave(&aup->lock) and its unlock in the same function.',
  },
];
