// Binary layout of a bus record and a result record in the engine's memory.
// This file owns the layout: scripts/layout.mjs generates src/engine/layout.ts
// from it at build time. Every field is a 32-bit word; a 64-bit value is two
// words, low first.

// ---- input: one bus record ------------------------------------------------
export const BUS_WORDS: u32 = 0; // total words of this record, header included
export const BUS_BEHAVIOURS: u32 = 1; // B_* bits below
export const BUS_FLAGS: u32 = 2; // FLAG_* below
export const BUS_LOW_MEM_END: u32 = 3; // u64
export const BUS_HIGH_MEM_END: u32 = 5; // u64
export const BUS_MMIO_HOLE_SIZE: u32 = 7; // u64
export const BUS_PHYS_ADDR_BITS: u32 = 9;
export const BUS_N_RESERVED: u32 = 10;
export const BUS_N_DEVICES: u32 = 11;
export const BUS_N_BARS: u32 = 12;
export const BUS_HEADER_WORDS: u32 = 13;

export const FLAG_ALLOW_RELOCATE_SET: u32 = 1;
export const FLAG_ALLOW_RELOCATE: u32 = 2;
export const FLAG_MMIO_HOLE_SET: u32 = 4;
export const FLAG_PLATFORM_UC_SET: u32 = 8;
export const FLAG_PLATFORM_UC: u32 = 16;

// reserved range: start u64, size u64
export const RESERVED_WORDS: u32 = 4;

// device: its bars follow the previous device's, in the bar section
export const DEV_DEVFN: u32 = 0;
export const DEV_VENDOR: u32 = 1;
export const DEV_DEVICE: u32 = 2;
export const DEV_CLASS: u32 = 3;
export const DEV_PIN: u32 = 4;
export const DEV_N_BARS: u32 = 5;
export const DEVICE_WORDS: u32 = 6;

// bar as described by the user
export const BAR_INDEX: u32 = 0; // 0..5, 6 = expansion ROM
export const BAR_TYPE: u32 = 1; // TYPE_*
export const BAR_FLAGS: u32 = 2; // BARF_*
export const BAR_VALUE: u32 = 3; // u64: the size, or the low mask (high word unused)
export const BAR_MASK_HIGH: u32 = 5;
export const BAR_WORDS: u32 = 6;

export const TYPE_MEM32: u32 = 0;
export const TYPE_MEM64: u32 = 1;
export const TYPE_IO: u32 = 2;
export const TYPE_ROM: u32 = 3;

export const BARF_PREFETCH: u32 = 1;
export const BARF_HAS_MASK: u32 = 2; // BAR_VALUE holds the read-back, not a size
export const BARF_HAS_MASK_HIGH: u32 = 4;

// ---- output: one result record ---------------------------------------------
export const RES_WORDS: u32 = 0; // total words of this record
export const RES_MEM_START: u32 = 1; // pci_mem_start when BARs are assigned
export const RES_MEM_END: u32 = 2;
export const RES_HI_START: u32 = 3; // u64, 0 = no window
export const RES_HI_END: u32 = 5; // u64
export const RES_LOW_MEM_END: u32 = 7; // u64
export const RES_HIGH_MEM_END: u32 = 9; // u64
export const RES_RELOCATED: u32 = 11; // u64 bytes
export const RES_BAR64_RELOCATE: u32 = 13;
export const RES_N_BARS: u32 = 14;
export const RES_N_EVENTS: u32 = 15;
export const RES_N_UNPLACED: u32 = 16;
export const RES_HEADER_WORDS: u32 = 17;

// placed bar, in assignment order
export const PB_DEVFN: u32 = 0;
export const PB_REG: u32 = 1; // config register: 0x10..0x24, 0x30
export const PB_TYPE: u32 = 2; // TYPE_* as described
export const PB_PLACEMENT: u32 = 3; // PLACE_*
export const PB_SIZE: u32 = 4; // u64
export const PB_ADDRESS: u32 = 6; // u64
export const PLACED_WORDS: u32 = 8;

export const PLACE_LOW: u32 = 0;
export const PLACE_HIGH: u32 = 1;
export const PLACE_IO: u32 = 2;
export const PLACE_UNPLACED: u32 = 3;

// log event: a code and up to six 32-bit arguments, formatted in TypeScript
export const EVENT_WORDS: u32 = 7;

export const EV_RELOCATE_SETTING: u32 = 1; // allow
export const EV_PLATFORM_CACHE: u32 = 2; // uc
export const EV_ISA_LINK: u32 = 3; // link, irq
export const EV_INTX: u32 = 4; // devfn, pin, irq
export const EV_XENPCI_64BIT: u32 = 5; // devfn, bar
export const EV_XENPCI_OVERFLOW: u32 = 6; // devfn, bar, size lo, size hi
export const EV_XENPCI_BAR: u32 = 7; // devfn, reg, size lo, size hi, data
export const EV_HOLE_IGNORED: u32 = 8; // maxram lo, hi, hole lo, hi
export const EV_HOLE_SET: u32 = 9; // start, hole lo, hole hi
export const EV_LOW_HOLE_SHORT: u32 = 10;
export const EV_RAM_MOVED: u32 = 11; // pages, from lo, hi, to lo, hi
export const EV_HIGH_BASE: u32 = 12; // has high ram, base lo, hi
export const EV_BAR: u32 = 13; // devfn, reg, size lo, hi, data lo, hi
export const EV_NO_SPACE: u32 = 14; // devfn, reg, size lo, hi

// ---- batch framing -----------------------------------------------------------
// Input: the bus records back to back. Output: an offset table (one word per
// bus, in words from the output start) followed by the result records.

// ---- behaviours ------------------------------------------------------------
// Which of hvmloader's behaviours a bus is placed with. src/versions.ts says
// which version (and Xen release) has which; the engine reads only the bits.
// 4.2 keeps sizes, bases and the MMIO total in 32-bit variables: it sizes
// only the low register of a 64-bit BAR and skips a BAR only when its raw
// read-back is 0 (later versions, when the masked size is 0).
export const B_ARITH32: u32 = 1 << 0;
// 4.6 on: the ROM is probed with its own mask and the enable bit clear.
export const B_ROM_PROBE: u32 = 1 << 3;
// 4.3 on: hvmloader/allow-memory-relocate is read; the hole stops growing at RAM.
export const B_RELOCATE_KEY: u32 = 1 << 4;
// 4.3-rc: 64-bit relocation wanted whenever the hole did not reach 2 GiB, and
// only for BARs over 512 MiB, judged against a running "MMIO left" count.
export const B_BAR64_RC: u32 = 1 << 5;
// 4.3 on: 64-bit relocation when the MMIO total exceeds the hole.
export const B_BAR64_SUM: u32 = 1 << 6;
// 4.3 on: the high window starts at 4 GiB at least; relocation is logged.
export const B_HIGH_FLOOR: u32 = 1 << 7;
// 4.5 on: platform/mmio_hole_size; pci_hi_mem_start/end are tracked.
export const B_MMIO_HOLE: u32 = 1 << 8;
// 4.6 on: a hole overlapping a reserved range falls back to start at RAM's end.
export const B_RMRR_START: u32 = 1 << 9;
// 4.6: the next reserved range is found once and only advanced on a skip.
export const B_RMRR_SKIP_ONCE: u32 = 1 << 10;
// ecc607b185 (4.10 on): the next reserved range is looked up afresh for every BAR.
export const B_RMRR_SKIP_EACH: u32 = 1 << 11;
// 57acad12a0 (4.19; 4.17.4, 4.18.1): 64-bit BARs over 1 GiB always go high,
// outside the MMIO total.
export const B_HUGE_BAR: u32 = 1 << 12;
// 22650d6054 (4.21): with the platform BAR not UC, it goes to the top of the
// hole during the scan.
export const B_PLATFORM_BAR: u32 = 1 << 13;
// 4.3-rc logs BAR sizes through %llx (printed as "lx"); log formatting only.
export const B_LOG_LLX: u32 = 1 << 14;
// 1c4589280a (4.17): the mmio_hole line prints hex; log formatting only.
export const B_LOG_HOLE_HEX: u32 = 1 << 15;
