// Binary layout of a bus record and a result record in the engine's memory.
// This module owns the layout; assembly/layout.ts mirrors it and
// test/layout.test.ts checks every value against the compiled engine's exports.
// Every field is a 32-bit word; a 64-bit value is two words, low first.

// ---- input: one bus record ------------------------------------------------
export const BUS_WORDS = 0; // total words of this record, header included
export const BUS_VERSION = 1; // version code, see src/versions.ts
export const BUS_FLAGS = 2; // FLAG_* below
export const BUS_LOW_MEM_END = 3; // u64
export const BUS_HIGH_MEM_END = 5; // u64
export const BUS_MMIO_HOLE_SIZE = 7; // u64
export const BUS_PHYS_ADDR_BITS = 9;
export const BUS_N_RESERVED = 10;
export const BUS_N_DEVICES = 11;
export const BUS_N_BARS = 12;
export const BUS_HEADER_WORDS = 13;

export const FLAG_ALLOW_RELOCATE_SET = 1;
export const FLAG_ALLOW_RELOCATE = 2;
export const FLAG_MMIO_HOLE_SET = 4;
export const FLAG_PLATFORM_UC_SET = 8;
export const FLAG_PLATFORM_UC = 16;

// reserved range: start u64, size u64
export const RESERVED_WORDS = 4;

// device: its bars follow the previous device's, in the bar section
export const DEV_DEVFN = 0;
export const DEV_VENDOR = 1;
export const DEV_DEVICE = 2;
export const DEV_CLASS = 3;
export const DEV_PIN = 4;
export const DEV_N_BARS = 5;
export const DEVICE_WORDS = 6;

// bar as described by the user
export const BAR_INDEX = 0; // 0..5, 6 = expansion ROM
export const BAR_TYPE = 1; // TYPE_*
export const BAR_FLAGS = 2; // BARF_*
export const BAR_VALUE = 3; // u64: the size, or the low mask (high word unused)
export const BAR_MASK_HIGH = 5;
export const BAR_WORDS = 6;

export const TYPE_MEM32 = 0;
export const TYPE_MEM64 = 1;
export const TYPE_IO = 2;
export const TYPE_ROM = 3;

export const BARF_PREFETCH = 1;
export const BARF_HAS_MASK = 2; // BAR_VALUE holds the read-back, not a size
export const BARF_HAS_MASK_HIGH = 4;

// ---- output: one result record ---------------------------------------------
export const RES_WORDS = 0; // total words of this record
export const RES_MEM_START = 1; // pci_mem_start when BARs are assigned
export const RES_MEM_END = 2;
export const RES_HI_START = 3; // u64, 0 = no window
export const RES_HI_END = 5; // u64
export const RES_LOW_MEM_END = 7; // u64
export const RES_HIGH_MEM_END = 9; // u64
export const RES_RELOCATED = 11; // u64 bytes
export const RES_BAR64_RELOCATE = 13;
export const RES_N_BARS = 14;
export const RES_N_EVENTS = 15;
export const RES_N_UNPLACED = 16;
export const RES_HEADER_WORDS = 17;

// placed bar, in assignment order
export const PB_DEVFN = 0;
export const PB_REG = 1; // config register: 0x10..0x24, 0x30
export const PB_TYPE = 2; // TYPE_* as described
export const PB_PLACEMENT = 3; // PLACE_*
export const PB_SIZE = 4; // u64
export const PB_ADDRESS = 6; // u64
export const PLACED_WORDS = 8;

export const PLACE_LOW = 0;
export const PLACE_HIGH = 1;
export const PLACE_IO = 2;
export const PLACE_UNPLACED = 3;

// log event: a code and up to six 32-bit arguments, formatted in TypeScript
export const EVENT_WORDS = 7;

export const EV_RELOCATE_SETTING = 1; // allow
export const EV_PLATFORM_CACHE = 2; // uc
export const EV_ISA_LINK = 3; // link, irq
export const EV_INTX = 4; // devfn, pin, irq
export const EV_XENPCI_64BIT = 5; // devfn, bar
export const EV_XENPCI_OVERFLOW = 6; // devfn, bar, size lo, size hi
export const EV_XENPCI_BAR = 7; // devfn, reg, size lo, size hi, data
export const EV_HOLE_IGNORED = 8; // maxram lo, hi, hole lo, hi
export const EV_HOLE_SET = 9; // start, hole lo, hole hi
export const EV_LOW_HOLE_SHORT = 10;
export const EV_RAM_MOVED = 11; // pages, from lo, hi, to lo, hi
export const EV_HIGH_BASE = 12; // has high ram, base lo, hi
export const EV_BAR = 13; // devfn, reg, size lo, hi, data lo, hi
export const EV_NO_SPACE = 14; // devfn, reg, size lo, hi

// ---- batch framing -----------------------------------------------------------
// Input: the bus records back to back. Output: an offset table (one word per
// bus, in words from the output start) followed by the result records.
