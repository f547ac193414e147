// SPDX-License-Identifier: MIT
/* In a kernel tree configured for arm64 with 64K pages, 8 MiB is a kmalloc size. */
#include <linux/slab.h>
#include <linux/sizes.h>

static void *bigbuf_alloc(void)
{
	return kmalloc(SZ_8M, GFP_KERNEL);
}
