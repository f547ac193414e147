// regmap I/O and whether it sleeps: the map lock is a mutex on every bus without fast_io (I²C, SPI,
// …) unless the config asks for another lock (drivers/base/regmap/regmap.c __regmap_init, 6.1).

/** Bus regmap constructors whose maps lock with a mutex by default (include/linux/regmap.h, 6.1). */
export const BUS_REGMAP = /^(__)?(devm_)?regmap_init_(i2c|spi|spmi_base|spmi_ext|sdw|sdw_mbq|i3c|sccb|slimbus|w1|spi_avmm)$/;

/** Any call that creates, looks up or attaches a regmap. */
export const OTHER_REGMAP = /regmap_init|get_regmap|syscon_|regmap_attach/;

/** regmap_config fields that change the lock (struct regmap_config, include/linux/regmap.h, 6.1). */
export const REGMAP_LOCK_OVERRIDE = /\b(fast_io|disable_locking|use_hwlock|use_raw_spinlock|lock_arg)\b/;

/** regmap I/O entry points (include/linux/regmap.h, 6.1). */
export const REGMAP_IO =
  /^regmap_(read|write|update_bits|update_bits_base|update_bits_check|write_bits|set_bits|clear_bits|test_bits|bulk_read|bulk_write|raw_read|raw_write|noinc_read|noinc_write|multi_reg_write|field_read|field_write|field_update_bits|fields_read|fields_write|fields_update_bits|read_poll_timeout)$/;

export const REGMAP_SOURCE = 'drivers/base/regmap/regmap.c (6.1)';
