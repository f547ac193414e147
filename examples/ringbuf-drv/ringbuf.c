// SPDX-License-Identifier: GPL-2.0
/*
 * ringbuf: an example platform driver for a DMA-capable FIFO device.
 *
 * The device raises an interrupt when it has written a descriptor into the RX ring; the IRQ
 * handler copies completed frames into a software ring protected by a spinlock, a timer polls
 * for stalls, and a work item hands full batches to user space. The TX path maps a bounce
 * buffer for streaming DMA.
 *
 * It is written for Kernel Alloc Lens: most allocations are correct, and the lines that end in
 * an expect comment (`// expect:` and a rule id) hold the classic mistakes the tool reports. Run
 *   node dist/cli.js check examples/
 * to see them.
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/interrupt.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/sizes.h>
#include <linux/io.h>

#define RB_DESC_COUNT		256
#define RB_FRAME_LEN		1536
#define RB_HISTORY_BYTES	SZ_8M
#define RB_STATS_LEN		100
#define RB_REG_STATUS		0x00
#define RB_REG_ACK		0x04
#define RB_POLL_MS		100

struct rb_desc {
	__le64 addr;
	__le32 len;
	__le32 flags;
};

struct rb_frame {
	struct list_head node;
	u32 len;
	u8 data[RB_FRAME_LEN];
};

struct rb_priv {
	struct device *dev;
	void __iomem *regs;
	int irq;

	/* Coherent descriptor ring the device reads and writes. */
	struct rb_desc *ring;
	dma_addr_t ring_dma;

	/* Software ring of received frames, filled in hard-IRQ context. */
	spinlock_t lock;
	struct list_head frames;
	unsigned int nr_frames;

	/* TX bounce buffer for streaming DMA. */
	void *tx_buf;
	dma_addr_t tx_dma;

	/* Per-slot bookkeeping, sized at probe from the device's slot count. */
	u32 *slot_state;
	unsigned int nr_slots;

	/* Capture history for debugfs. */
	void *history;
	char *stats;

	struct timer_list stall_timer;
	struct work_struct batch_work;
};

/* Hard-IRQ context: nothing here may sleep. */
static irqreturn_t rb_irq(int irq, void *data)
{
	struct rb_priv *priv = data;
	struct rb_frame *frame;
	u32 status;

	status = readl(priv->regs + RB_REG_STATUS);
	if (!status)
		return IRQ_NONE;

	frame = kmalloc(sizeof(*frame), GFP_KERNEL); // expect: gfp-sleep-in-atomic
	if (!frame)
		goto ack;
	frame->len = status & 0xffff;

	spin_lock(&priv->lock);
	list_add_tail(&frame->node, &priv->frames);
	priv->nr_frames++;
	spin_unlock(&priv->lock);

	schedule_work(&priv->batch_work);
ack:
	writel(status, priv->regs + RB_REG_ACK);
	return IRQ_HANDLED;
}

/* Timer (softirq) context: GFP_ATOMIC is the right mask here. */
static void rb_stall_timer(struct timer_list *t)
{
	struct rb_priv *priv = from_timer(priv, t, stall_timer);
	struct rb_frame *marker;

	marker = kzalloc(sizeof(*marker), GFP_ATOMIC);
	if (marker) {
		spin_lock(&priv->lock);
		list_add_tail(&marker->node, &priv->frames);
		spin_unlock(&priv->lock);
	}
	mod_timer(&priv->stall_timer, jiffies + msecs_to_jiffies(RB_POLL_MS));
}

/* Process context: may sleep, but not while holding the spinlock. */
static void rb_batch_work(struct work_struct *work)
{
	struct rb_priv *priv = container_of(work, struct rb_priv, batch_work);
	struct rb_frame *frame, *tmp;
	unsigned long flags;
	LIST_HEAD(batch);
	void *scratch;

	scratch = kmalloc(RB_FRAME_LEN, GFP_KERNEL); // expect: kmalloc-slab-waste
	if (!scratch)
		return;

	spin_lock_irqsave(&priv->lock, flags);
	list_splice_init(&priv->frames, &batch);
	priv->nr_frames = 0;
	kfree(priv->stats);
	priv->stats = kmalloc(RB_STATS_LEN, GFP_KERNEL); // expect: gfp-sleep-in-atomic
	spin_unlock_irqrestore(&priv->lock, flags);

	list_for_each_entry_safe(frame, tmp, &batch, node) {
		memcpy(scratch, frame->data, frame->len);
		list_del(&frame->node);
		kfree(frame);
	}
	kfree(scratch);
}

static int rb_alloc_slots(struct rb_priv *priv, u32 count, u32 words)
{
	/* Open-coded n * size: count * words is computed in u32 and wraps before the widening to size_t. */
	priv->slot_state = kmalloc(count * words * sizeof(u32), GFP_KERNEL); // expect: alloc-size-overflow(warning)
	if (!priv->slot_state)
		return -ENOMEM;
	priv->nr_slots = count;
	return 0;
}

static int rb_alloc_history(struct rb_priv *priv)
{
	/* 8 MiB is above KMALLOC_MAX_SIZE with 4K pages: this always returns NULL. */
	priv->history = kzalloc(RB_HISTORY_BYTES, GFP_KERNEL); // expect: kmalloc-too-large
	return priv->history ? 0 : -ENOMEM;
}

static int rb_setup_tx(struct rb_priv *priv)
{
	/* vmalloc memory is not physically contiguous: dma_map_single() rejects it. */
	priv->tx_buf = vzalloc(RB_FRAME_LEN);
	if (!priv->tx_buf)
		return -ENOMEM;

	priv->tx_dma = dma_map_single(priv->dev, priv->tx_buf, RB_FRAME_LEN, DMA_TO_DEVICE); // expect: noncontiguous-dma
	if (dma_mapping_error(priv->dev, priv->tx_dma)) {
		kfree(priv->tx_buf); // expect: free-mismatch
		return -EIO;
	}
	return 0;
}

static int rb_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct rb_priv *priv;
	int ret;

	priv = devm_kzalloc(dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->dev = dev;
	spin_lock_init(&priv->lock);
	INIT_LIST_HEAD(&priv->frames);

	priv->regs = devm_platform_ioremap_resource(pdev, 0);
	if (IS_ERR(priv->regs))
		return PTR_ERR(priv->regs);

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return ret;

	priv->ring = dmam_alloc_coherent(dev, RB_DESC_COUNT * sizeof(struct rb_desc), &priv->ring_dma, GFP_KERNEL);
	if (!priv->ring)
		return -ENOMEM;

	ret = rb_alloc_slots(priv, RB_DESC_COUNT, 1);
	if (ret)
		return ret;

	ret = rb_alloc_history(priv);
	if (ret)
		goto err_slots;

	ret = rb_setup_tx(priv);
	if (ret)
		goto err_history;

	timer_setup(&priv->stall_timer, rb_stall_timer, 0);
	INIT_WORK(&priv->batch_work, rb_batch_work);

	priv->irq = platform_get_irq(pdev, 0);
	if (priv->irq < 0) {
		ret = priv->irq;
		goto err_tx;
	}
	ret = devm_request_irq(dev, priv->irq, rb_irq, 0, dev_name(dev), priv);
	if (ret)
		goto err_tx;

	platform_set_drvdata(pdev, priv);
	mod_timer(&priv->stall_timer, jiffies + msecs_to_jiffies(RB_POLL_MS));
	return 0;

err_tx:
	dma_unmap_single(dev, priv->tx_dma, RB_FRAME_LEN, DMA_TO_DEVICE);
	vfree(priv->tx_buf);
err_history:
	kfree(priv->history);
err_slots:
	kfree(priv->slot_state);
	return ret;
}

static int rb_remove(struct platform_device *pdev)
{
	struct rb_priv *priv = platform_get_drvdata(pdev);
	struct rb_frame *frame, *tmp;

	del_timer_sync(&priv->stall_timer);
	cancel_work_sync(&priv->batch_work);

	list_for_each_entry_safe(frame, tmp, &priv->frames, node) {
		list_del(&frame->node);
		kfree(frame);
	}
	dma_unmap_single(priv->dev, priv->tx_dma, RB_FRAME_LEN, DMA_TO_DEVICE);
	vfree(priv->tx_buf);
	kfree(priv->history);
	kfree(priv->slot_state);
	kfree(priv->stats);
	return 0;
}

static const struct of_device_id rb_of_match[] = {
	{ .compatible = "example,ringbuf" },
	{ }
};
MODULE_DEVICE_TABLE(of, rb_of_match);

static struct platform_driver rb_driver = {
	.probe = rb_probe,
	.remove = rb_remove,
	.driver = {
		.name = "ringbuf",
		.of_match_table = rb_of_match,
	},
};
module_platform_driver(rb_driver);

MODULE_DESCRIPTION("Example DMA ring-buffer driver for Kernel Alloc Lens");
MODULE_LICENSE("GPL");
