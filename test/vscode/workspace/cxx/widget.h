// A C++ project's header (widget.cpp beside it): the same code as sensor_hw.h, and it must get
// nothing from Kernel Alloc Lens.
#include <linux/slab.h>
#include <linux/spinlock.h>

static DEFINE_SPINLOCK(widget_lock);

static inline void *widget_refill(void)
{
	void *p;

	spin_lock(&widget_lock);
	p = kmalloc(64, GFP_KERNEL);
	spin_unlock(&widget_lock);
	return p;
}
