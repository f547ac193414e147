// SPDX-License-Identifier: MIT
/*
 * Editor-test driver: a capture buffer that no kmalloc size can serve, a small
 * receive buffer for the hover, and a GFP_KERNEL allocation under a spinlock.
 */
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#define RX_LEN 100

struct sensor {
	spinlock_t lock;
	void *rx;
	void *frame;
	void *scratch;
};

static int sensor_setup(struct sensor *s)
{
	s->rx = kmalloc(RX_LEN, GFP_KERNEL);
	if (!s->rx)
		return -ENOMEM;
	s->frame = kmalloc(SZ_8M, GFP_KERNEL);
	if (!s->frame)
		return -ENOMEM;
	return 0;
}

static void sensor_refill(struct sensor *s)
{
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	if (!s->scratch)
		s->scratch = kmalloc(64, GFP_KERNEL);
	spin_unlock_irqrestore(&s->lock, flags);
}
