// Reference-count puts and the gets that pair with them (linux-source-6.1). A put drops a
// reference and runs the object's release callback when it was the last one; right after a get
// of the same object on the same path it cannot be the last, so the release does not run there.

export interface RefcountPut {
  put: string;
  /** Gets that take a reference on the same object (argument `object` of both, or the get's result). */
  gets: readonly string[];
  /** 0-based position of the object argument of the put and of the gets. */
  object: number;
  source: string;
}

export const REFCOUNT_PUTS = [
  // refcount_dec_and_test() then release(kref). kref_put_lock()/kref_put_mutex() run release with
  // the lock held, which their release must drop: not modelled.
  { put: 'kref_put', gets: ['kref_get'], object: 0, source: 'include/linux/kref.h (6.1)' },
  { put: 'put_device', gets: ['get_device'], object: 0, source: 'drivers/base/core.c (6.1): put_device() → kobject_put() → device_release()' },
  { put: 'kobject_put', gets: ['kobject_get'], object: 0, source: 'lib/kobject.c (6.1): kobject_put() → kref_put(&kobj->kref, kobject_release)' },
  { put: 'usb_put_dev', gets: ['usb_get_dev'], object: 0, source: 'drivers/usb/core/usb.c (6.1)' },
  { put: 'usb_put_intf', gets: ['usb_get_intf'], object: 0, source: 'drivers/usb/core/usb.c (6.1)' },
  { put: 'pci_dev_put', gets: ['pci_dev_get'], object: 0, source: 'drivers/pci/pci-driver.c (6.1)' },
  { put: 'of_node_put', gets: ['of_node_get'], object: 0, source: 'drivers/of/dynamic.c (6.1)' },
  { put: 'dev_put', gets: ['dev_hold'], object: 0, source: 'include/linux/netdevice.h (6.1)' },
  { put: 'sock_put', gets: ['sock_hold'], object: 0, source: 'include/net/sock.h (6.1)' },
] as const satisfies readonly RefcountPut[];

const byPut = new Map<string, RefcountPut>(REFCOUNT_PUTS.map((row) => [row.put, row]));

export function refcountPut(name: string): RefcountPut | undefined {
  return byPut.get(name);
}
