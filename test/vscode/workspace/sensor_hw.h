/* SPDX-License-Identifier: MIT */
/*
 * Editor-test header beside sensor.c: VS Code opens it as C++, and the
 * GFP_KERNEL allocation under the spinlock must still be reported.
 */
#include <linux/slab.h>
#include <linux/spinlock.h>

static DEFINE_SPINLOCK(sensor_hw_lock);

static inline void *sensor_hw_refill(void)
{
	void *p;

	spin_lock(&sensor_hw_lock);
	p = kmalloc(64, GFP_KERNEL);
	spin_unlock(&sensor_hw_lock);
	return p;
}
