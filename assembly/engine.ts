// hvmloader's pci_setup as a sequence of named phases over plain tables.
// Each phase cites the revision whose behaviour it reproduces; the behaviour
// bits (versions.ts) select between the variants.
//
// Which variant of each phase runs is decided by the bus's behaviour bits
// (layout.ts); src/versions.ts holds the table of versions and releases.
//
// Phases, in hvmloader's order:
//   readSettings     xenstore keys and the lines they print
//   routeIsaLinks    PCI-ISA link routing (the IRQs the INTx lines report)
//   scanBus          probe every BAR, build the size-ordered list, sum MMIO
//   sizeLowHole      mmio_hole_size, or grow the hole by doubling; RMRR fallback
//   decideBar64      whether some BARs must go above 4 GiB
//   relocateRam      move RAM that the hole now covers above 4 GiB
//   openHighWindow   where 64-bit placement starts and its limit
//   assignBars       place every BAR, largest first
//   closeHighWindow  the aligned end of the 64-bit window

import {
  rd, wr, rd64, wr64,
} from "./memory";
import {
  BUS_BEHAVIOURS, BUS_FLAGS, BUS_LOW_MEM_END, BUS_HIGH_MEM_END, BUS_MMIO_HOLE_SIZE,
  BUS_PHYS_ADDR_BITS, BUS_N_RESERVED, BUS_N_DEVICES, BUS_HEADER_WORDS,
  FLAG_ALLOW_RELOCATE_SET, FLAG_ALLOW_RELOCATE, FLAG_MMIO_HOLE_SET,
  FLAG_PLATFORM_UC_SET, FLAG_PLATFORM_UC,
  RESERVED_WORDS, DEV_DEVFN, DEV_VENDOR, DEV_DEVICE, DEV_PIN, DEV_N_BARS, DEVICE_WORDS,
  BAR_INDEX, BAR_TYPE, BAR_FLAGS, BAR_VALUE, BAR_MASK_HIGH, BAR_WORDS,
  TYPE_MEM32, TYPE_MEM64, TYPE_IO, TYPE_ROM, BARF_PREFETCH, BARF_HAS_MASK, BARF_HAS_MASK_HIGH,
  RES_WORDS, RES_MEM_START, RES_MEM_END, RES_HI_START, RES_HI_END, RES_LOW_MEM_END,
  RES_HIGH_MEM_END, RES_RELOCATED, RES_BAR64_RELOCATE, RES_N_BARS, RES_N_EVENTS,
  RES_N_UNPLACED, RES_HEADER_WORDS,
  PB_DEVFN, PB_REG, PB_TYPE, PB_PLACEMENT, PB_SIZE, PB_ADDRESS, PLACED_WORDS,
  PLACE_LOW, PLACE_HIGH, PLACE_IO, PLACE_UNPLACED, EVENT_WORDS,
  EV_RELOCATE_SETTING, EV_PLATFORM_CACHE, EV_ISA_LINK, EV_INTX, EV_XENPCI_64BIT,
  EV_XENPCI_OVERFLOW, EV_XENPCI_BAR, EV_HOLE_IGNORED, EV_HOLE_SET, EV_LOW_HOLE_SHORT,
  EV_RAM_MOVED, EV_HIGH_BASE, EV_BAR, EV_NO_SPACE,
  B_ARITH32, B_ROM_PROBE, B_RELOCATE_KEY, B_BAR64_RC, B_BAR64_SUM, B_HIGH_FLOOR, B_MMIO_HOLE,
  B_RMRR_START, B_RMRR_SKIP_ONCE, B_RMRR_SKIP_EACH, B_HUGE_BAR, B_PLATFORM_BAR,
} from "./layout";

// ---- platform constants (tools/firmware/hvmloader/config.h, pci_regs.h) ------
const HOLE_START_DEFAULT: u32 = 0xf0000000; // PCI_MEM_START / HVM_BELOW_4G_MMIO_START
const HOLE_END: u32 = 0xfc000000; // PCI_MEM_END / RESERVED_MEMBASE
const IO_START: u64 = 0xc000;
const IO_END: u64 = 0x10000;
const ISA_IRQ_MASK: u32 = 0x0c20; // IRQs 5, 10, 11 are wired to PCI
const ISA_DEVFN: u32 = 0x08;
const MEM_MASK: u32 = 0xfffffff0;
const IO_MASK_16: u32 = 0x0000fffc; // hvmloader keeps only 16 bits of an I/O mask
const ROM_MASK: u32 = 0xfffff800;
const ROM_ENABLE: u32 = 1;
const RELOCATE_CHUNK: u32 = 0xffff; // pages moved per add_to_physmap call
const BIG_BAR_4_3_RC: u64 = 0x20000000; // PCI_MIN_BIG_BAR_SIZE, 512 MiB
const HUGE_BAR: u64 = 0x40000000; // BAR_RELOC_THRESH, 1 GiB (4.19)
const FOUR_GIB: u64 = 0x100000000;
const VENDOR_XEN: u32 = 0x5853;
const REG_ROM: u32 = 0x30;

// ---- scratch tables ------------------------------------------------------------
export const MAX_DEVICES: u32 = 256;
const REGS_PER_DEVICE: u32 = 7; // six BAR registers and the ROM
export const MAX_ENTRIES: u32 = MAX_DEVICES * REGS_PER_DEVICE;

// one sized BAR, as hvmloader's bars[] holds it
const E_DEVFN: u32 = 0;
const E_REG: u32 = 1;
const E_KIND: u32 = 2; // K_* bits
const E_SIZE: u32 = 3; // u64
const E_DATA: u32 = 5; // register value before the probe (its flag bits)
const E_TYPE: u32 = 6; // TYPE_* as described, for the result
const ENTRY_WORDS: u32 = 7;
const K_64: u32 = 1;
const K_MEM: u32 = 2;

// words of scratch the engine needs, beyond input and output
export const SCRATCH_WORDS: u32 =
  REGS_PER_DEVICE * 3 + // writable bits, fixed bits, described type
  MAX_ENTRIES * ENTRY_WORDS + // the size-ordered list
  MAX_ENTRIES * 2 + // sort index and merge buffer
  MAX_ENTRIES * PLACED_WORDS + // BARs placed during the scan (4.21 platform BAR)
  MAX_ENTRIES * 4 * EVENT_WORDS; // events, before they are copied out

let regW: usize = 0; // per register: bits that take a written value
let regF: usize = 0; // per register: bits that always read back (flags)
let regT: usize = 0; // per register: described type, for the result
let entries: usize = 0;
let order: usize = 0;
let orderTmp: usize = 0;
let early: usize = 0;
let events: usize = 0;

export function setScratch(base: usize): void {
  regW = base;
  regF = regW + REGS_PER_DEVICE * 4;
  regT = regF + REGS_PER_DEVICE * 4;
  entries = regT + REGS_PER_DEVICE * 4;
  order = entries + <usize>(MAX_ENTRIES * ENTRY_WORDS) * 4;
  orderTmp = order + <usize>MAX_ENTRIES * 4;
  early = orderTmp + <usize>MAX_ENTRIES * 4;
  events = early + <usize>(MAX_ENTRIES * PLACED_WORDS) * 4;
}

// ---- per-bus state (hvmloader's locals and hvm_info fields) ------------------
let bus: usize = 0;
let beh: u32 = 0;
let flags: u32 = 0;
let nReserved: u32 = 0;
let reservedAt: usize = 0;
let devicesAt: usize = 0;
let barsAt: usize = 0;

let allowRelocate: bool = true;
let platformUc: bool = true;
let linkIrq0: u32 = 0;
let linkIrq1: u32 = 0;
let linkIrq2: u32 = 0;
let linkIrq3: u32 = 0;

let memStart: u32 = 0; // pci_mem_start
let memEnd: u32 = 0; // pci_mem_end
let lowPages: u32 = 0; // hvm_info->low_mem_pgend
let highPages: u32 = 0; // hvm_info->high_mem_pgend
let movedPages: u64 = 0;
let mmioTotal: u64 = 0;
let bar64: bool = false; // bar64_relocate
let highBase: u64 = 0; // high_mem_resource.base
let highMax: u64 = 0;
let hiStart: u64 = 0; // pci_hi_mem_start
let hiEnd: u64 = 0;

let nEntries: u32 = 0;
let nEarly: u32 = 0;
let nEvents: u32 = 0;

@inline function has(bit: u32): bool {
  return (beh & bit) != 0;
}

// Sweeps that need no log skip recording it (placeBatch's withLog).
let recordEvents: bool = true;

export function setRecordEvents(on: bool): void {
  recordEvents = on;
}

function emit(code: u32, a: u32, b: u32, c: u32, d: u32, e: u32, f: u32): void {
  if (!recordEvents) return;
  const at = events + <usize>(nEvents * EVENT_WORDS) * 4;
  wr(at, 0, code);
  wr(at, 1, a);
  wr(at, 2, b);
  wr(at, 3, c);
  wr(at, 4, d);
  wr(at, 5, e);
  wr(at, 6, f);
  nEvents++;
}

@inline function lo(v: u64): u32 {
  return <u32>v;
}

@inline function hi(v: u64): u32 {
  return <u32>(v >> 32);
}

@inline function lowestBit64(v: u64): u64 {
  return v & ~(v - 1);
}

@inline function lowestBit32(v: u32): u32 {
  return v & ~(v - 1);
}

// util.c check_overlap (4.6): half-open ranges that share a byte
@inline function overlaps(start: u64, size: u64, rStart: u64, rSize: u64): bool {
  return start + size > rStart && start < rStart + rSize;
}

@inline function reservedStart(i: u32): u64 {
  return rd64(reservedAt, i * RESERVED_WORDS);
}

@inline function reservedSize(i: u32): u64 {
  return rd64(reservedAt, i * RESERVED_WORDS + 2);
}

// ---- phase: readSettings ---------------------------------------------------------
// 4.3 (c74c1f906a) reads allow-memory-relocate, defaulting to 1, and prints it;
// 4.21 (22650d6054) reads the platform BAR cache attribute, defaulting to UC.
function readSettings(): void {
  allowRelocate = true;
  if ((flags & FLAG_ALLOW_RELOCATE_SET) != 0) allowRelocate = (flags & FLAG_ALLOW_RELOCATE) != 0;
  platformUc = true;
  if ((flags & FLAG_PLATFORM_UC_SET) != 0) platformUc = (flags & FLAG_PLATFORM_UC) != 0;
  if (!has(B_RELOCATE_KEY)) allowRelocate = true; // older loaders never read the key
  if (has(B_RELOCATE_KEY)) emit(EV_RELOCATE_SETTING, allowRelocate ? 1 : 0, 0, 0, 0, 0, 0);
  if (has(B_PLATFORM_BAR)) emit(EV_PLATFORM_CACHE, platformUc ? 1 : 0, 0, 0, 0, 0, 0);
}

// ---- phase: routeIsaLinks --------------------------------------------------------
// The four links take the PCI-wired ISA IRQs in turn. Reading the routing back
// from a bus without the PIIX3 at 01.0 yields 0xff, as an absent function does.
function routeIsaLinks(isaPresent: bool): void {
  let irq: u32 = 0;
  for (let link: u32 = 0; link < 4; link++) {
    do {
      irq = (irq + 1) & 15;
    } while ((ISA_IRQ_MASK & (<u32>1 << irq)) == 0);
    const routed = isaPresent ? irq : 0xff;
    if (link == 0) linkIrq0 = routed;
    else if (link == 1) linkIrq1 = routed;
    else if (link == 2) linkIrq2 = routed;
    else linkIrq3 = routed;
    emit(EV_ISA_LINK, link, irq, 0, 0, 0, 0);
  }
}

function linkIrq(link: u32): u32 {
  if (link == 0) return linkIrq0;
  if (link == 1) return linkIrq1;
  if (link == 2) return linkIrq2;
  return linkIrq3;
}

// ---- phase: scanBus ---------------------------------------------------------------

// Lays out a device's registers as the simulated config space presents them:
// every BAR reads as its flags at address 0, the ROM as 0 (disabled); a probe
// write keeps only the writable bits.
// Returns the registers it wrote, one bit each: a register left out reads 0,
// which every version's probe skips, so probeDevice passes over it and its
// stale table entries are never read.
function loadRegisters(barAt: usize, nBars: u32): u32 {
  let used: u32 = 0;
  for (let b: u32 = 0; b < nBars; b++) {
    const at = barAt + <usize>(b * BAR_WORDS) * 4;
    const index = rd(at, BAR_INDEX);
    const type = rd(at, BAR_TYPE);
    const bflags = rd(at, BAR_FLAGS);
    const value = rd64(at, BAR_VALUE);
    const fromMask = (bflags & BARF_HAS_MASK) != 0;
    const prefetch: u32 = (bflags & BARF_PREFETCH) != 0 ? 8 : 0;
    const sizeMask: u64 = ~(value - 1); // the read-back a BAR of this size gives
    wr(regT, index, type);
    used |= <u32>1 << index;
    if (type == TYPE_MEM32) {
      wr(regF, index, prefetch);
      wr(regW, index, (fromMask ? lo(value) : lo(sizeMask)) & MEM_MASK);
    } else if (type == TYPE_MEM64) {
      wr(regF, index, 4 | prefetch);
      wr(regW, index, (fromMask ? lo(value) : lo(sizeMask)) & MEM_MASK);
      let upper: u32 = hi(sizeMask);
      if (fromMask) upper = (bflags & BARF_HAS_MASK_HIGH) != 0 ? rd(at, BAR_MASK_HIGH) : 0xffffffff;
      wr(regW, index + 1, upper);
      wr(regF, index + 1, 0);
      wr(regT, index + 1, TYPE_MEM64);
      used |= <u32>1 << (index + 1);
    } else if (type == TYPE_IO) {
      wr(regF, index, 1);
      wr(regW, index, (fromMask ? lo(value) : lo(sizeMask)) & ~(<u32>3));
    } else {
      // ROM: address bits and the enable bit are writable
      wr(regF, index, 0);
      wr(regW, index, fromMask ? lo(value) : (lo(sizeMask) | ROM_ENABLE));
    }
  }
  return used;
}

@inline function readBack(reg: u32, written: u32): u32 {
  return (written & rd(regW, reg)) | rd(regF, reg);
}

function addEntry(devfn: u32, reg: u32, kind: u32, size: u64, data: u32, type: u32): void {
  const at = entries + <usize>(nEntries * ENTRY_WORDS) * 4;
  wr(at, E_DEVFN, devfn);
  wr(at, E_REG, reg);
  wr(at, E_KIND, kind);
  wr64(at, E_SIZE, size);
  wr(at, E_DATA, data);
  wr(at, E_TYPE, type);
  nEntries++;
}

function placeEarly(devfn: u32, reg: u32, type: u32, size: u64, address: u64): void {
  const at = early + <usize>(nEarly * PLACED_WORDS) * 4;
  wr(at, PB_DEVFN, devfn);
  wr(at, PB_REG, reg);
  wr(at, PB_TYPE, type);
  wr(at, PB_PLACEMENT, PLACE_LOW);
  wr64(at, PB_SIZE, size);
  wr64(at, PB_ADDRESS, address);
  nEarly++;
}

// 4.21 (22650d6054): with the platform BAR not UC, its 32-bit memory BARs go
// to the top of the hole during the scan. Returns true when it took the BAR.
function placePlatformBar(devfn: u32, bar: u32, reg: u32, size: u64, data: u32, is64: bool): bool {
  if (is64) {
    emit(EV_XENPCI_64BIT, devfn, bar, 0, 0, 0, 0);
    return false;
  }
  if (size > <u64>memEnd || ((<u64>memEnd - size) & ~(size - 1)) < <u64>memStart) {
    emit(EV_XENPCI_OVERFLOW, devfn, bar, lo(size), hi(size), 0, 0);
    return false;
  }
  memEnd = <u32>((<u64>memEnd - size) & ~(size - 1));
  const written = (data & ~MEM_MASK) | memEnd;
  emit(EV_XENPCI_BAR, devfn, reg, lo(size), hi(size), written, 0);
  placeEarly(devfn, reg, rd(regT, bar), size, <u64>memEnd);
  return true;
}

// Sizes one device's BARs the way its version probes them (pci.c, BAR loop).
function probeDevice(devfn: u32, vendor: u32, device: u32, used: u32): void {
  const isPlatform = has(B_PLATFORM_BAR) && !platformUc && vendor == VENDOR_XEN && (device == 1 || device == 2);
  for (let bar: u32 = 0; bar < REGS_PER_DEVICE; bar++) {
    if ((used & (<u32>1 << bar)) == 0) continue; // reads 0: no BAR in any version
    const isRom = bar == 6;
    const reg: u32 = isRom ? REG_ROM : 0x10 + 4 * bar;
    const data = rd(regF, bar); // value before the probe: flags, address 0
    let is64 = (data & 7) == 4;
    let written: u32 = 0xffffffff;
    if (isRom && has(B_ROM_PROBE)) {
      // 73aa7fc292 (4.6): the ROM gets its own mask and stays disabled
      is64 = false;
      written = (data | ROM_MASK) & ~ROM_ENABLE;
    }
    const raw = readBack(bar, written);
    const isMem = (data & 1) == 0;
    let size: u64 = 0;
    if (has(B_ARITH32)) {
      // 4.2: a zero read-back means no BAR; the upper half is never sized
      if (raw == 0) continue;
      size = <u64>lowestBit32(raw & (isMem ? MEM_MASK : IO_MASK_16));
    } else {
      let masked: u64 = isRom && has(B_ROM_PROBE) ? <u64>(raw & ROM_MASK) : <u64>(raw & (isMem ? MEM_MASK : IO_MASK_16));
      if (is64) masked |= (<u64>readBack(bar + 1, 0xffffffff)) << 32;
      size = lowestBit64(masked);
      if (size == 0) continue;
    }

    if (isPlatform && isMem && placePlatformBar(devfn, bar, reg, size, data, is64)) continue;

    let kind: u32 = isMem ? K_MEM : 0;
    if (is64) kind |= K_64;
    addEntry(devfn, reg, kind, size, data, rd(regT, bar));

    if (has(B_ARITH32)) {
      if (isMem) mmioTotal = (mmioTotal + size) & 0xffffffff;
    } else if (has(B_HUGE_BAR) && is64 && size > HUGE_BAR) {
      bar64 = true; // 57acad12a0 (4.19): huge BARs always go high, outside the total
    } else if (isMem) {
      mmioTotal += size;
    }
    if (is64) bar++; // the upper half belongs to this BAR
  }
}

function scanBus(nDevices: u32): void {
  let barAt = barsAt;
  for (let d: u32 = 0; d < nDevices; d++) {
    const dev = devicesAt + <usize>(d * DEVICE_WORDS) * 4;
    const devfn = rd(dev, DEV_DEVFN);
    const vendor = rd(dev, DEV_VENDOR);
    const device = rd(dev, DEV_DEVICE);
    const nBars = rd(dev, DEV_N_BARS);
    const pin = rd(dev, DEV_PIN);
    const thisBars = barAt;
    barAt += <usize>(nBars * BAR_WORDS) * 4;
    if (vendor == 0xffff && device == 0xffff) continue; // reads as an empty slot

    // A function without BARs reads 0 from every register, which each
    // version's probe skips: nothing to load or probe (the INTx line remains).
    if (nBars != 0) probeDevice(devfn, vendor, device, loadRegisters(thisBars, nBars));

    if (pin != 0) {
      const irq = linkIrq(((pin - 1) + (devfn >> 3)) & 3);
      emit(EV_INTX, devfn, pin, irq, 0, 0, 0);
    }
  }
}

// Stable descending order by size: the order hvmloader's insertion into
// bars[] produces (a new BAR goes after every BAR at least as large).
function sortEntries(): void {
  for (let i: u32 = 0; i < nEntries; i++) wr(order, i, i);
  if (nEntries < 2) return;
  if (nEntries <= 32) {
    for (let i: u32 = 1; i < nEntries; i++) {
      const idx = rd(order, i);
      const size = entrySize(idx);
      let j = i;
      while (j > 0 && entrySize(rd(order, j - 1)) < size) {
        wr(order, j, rd(order, j - 1));
        j--;
      }
      wr(order, j, idx);
    }
    return;
  }
  // bottom-up merge sort, stable
  let src = order;
  let dst = orderTmp;
  for (let width: u32 = 1; width < nEntries; width <<= 1) {
    for (let left: u32 = 0; left < nEntries; left += width << 1) {
      const mid = min(left + width, nEntries);
      const right = min(left + (width << 1), nEntries);
      let a = left;
      let b = mid;
      let k = left;
      while (a < mid && b < right) {
        const ia = rd(src, a);
        const ib = rd(src, b);
        if (entrySize(ib) > entrySize(ia)) { wr(dst, k++, ib); b++; } else { wr(dst, k++, ia); a++; }
      }
      while (a < mid) wr(dst, k++, rd(src, a++));
      while (b < right) wr(dst, k++, rd(src, b++));
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != order) memory.copy(order, src, <usize>nEntries * 4);
}

@inline function entryAt(idx: u32): usize {
  return entries + <usize>(idx * ENTRY_WORDS) * 4;
}

@inline function entrySize(idx: u32): u64 {
  return rd64(entryAt(idx), E_SIZE);
}

// ---- phase: sizeLowHole -------------------------------------------------------
function overlapsAnyReserved(start: u64, size: u64): bool {
  for (let i: u32 = 0; i < nReserved; i++) {
    if (overlaps(start, size, reservedStart(i), reservedSize(i))) return true;
  }
  return false;
}

// b730fc3e15 (4.6) find_next_rmrr: the reserved range ending lowest above
// `base` (a 32-bit argument) and at or below 4 GiB; on equal ends the later.
function findNextReserved(base: u32): i32 {
  let next: i32 = -1;
  let minEnd: u64 = FOUR_GIB;
  for (let i: u32 = 0; i < nReserved; i++) {
    const end = reservedStart(i) + reservedSize(i);
    if (end > <u64>base && end <= minEnd) {
      next = <i32>i;
      minEnd = end;
    }
  }
  return next;
}

function sizeLowHole(): void {
  const holeSize = rd64(bus, BUS_MMIO_HOLE_SIZE);
  if (has(B_MMIO_HOLE) && (flags & FLAG_MMIO_HOLE_SET) != 0 && holeSize != 0) {
    // 2d927fc41b (4.5): the toolstack's hole size replaces growth, if it is
    // at least as large as the default hole
    const maxRamBelow4g: u64 = FOUR_GIB - holeSize;
    if (maxRamBelow4g > <u64>HOLE_START_DEFAULT) {
      emit(EV_HOLE_IGNORED, lo(maxRamBelow4g), hi(maxRamBelow4g), lo(holeSize), hi(holeSize), 0, 0);
    } else {
      memStart = <u32>maxRamBelow4g;
      emit(EV_HOLE_SET, memStart, lo(holeSize), hi(holeSize), 0, 0, 0);
    }
    return;
  }
  // Double the hole (32-bit shifts: 0xf0000000 -> 0xe0000000 -> ... -> 0x80000000)
  // while the MMIO total does not fit; from 4.3 stop before RAM unless allowed.
  while (mmioTotal > <u64>(memEnd - memStart) && (memStart << 1) != 0) {
    if (has(B_RELOCATE_KEY) && !allowRelocate && ((memStart << 1) >> 12) < lowPages) break;
    memStart <<= 1;
  }
  // b730fc3e15 (4.6): a hole that covers a reserved range starts at RAM's end instead
  if (has(B_RMRR_START)) {
    const ramEnd: u32 = lowPages << 12;
    if (memStart > ramEnd && overlapsAnyReserved(<u64>memStart, <u64>(memEnd - memStart))) memStart = ramEnd;
  }
}

// ---- phase: decideBar64 --------------------------------------------------------
function decideBar64(): void {
  if (has(B_BAR64_RC)) {
    // 4.3-rc: "the hole did not reach 2 GiB" stands in for "the hole is too small"
    bar64 = (memStart << 1) != 0;
  } else if (has(B_BAR64_SUM)) {
    // 3458ab670f (4.3): relocate when the total does not fit; 4.19 also for huge BARs
    if (mmioTotal > <u64>(memEnd - memStart) || bar64) {
      emit(EV_LOW_HOLE_SHORT, 0, 0, 0, 0, 0, 0);
      bar64 = true;
    }
  }
}

// ---- phase: relocateRam ----------------------------------------------------------
// RAM under the hole moves to the end of high RAM in chunks of 0xffff pages.
function relocateRam(): void {
  while ((memStart >> 12) < lowPages) {
    const pages = min(lowPages - (memStart >> 12), RELOCATE_CHUNK);
    if (highPages == 0) highPages = 1 << 20;
    lowPages -= pages;
    if (has(B_HIGH_FLOOR)) {
      // 91993aee68 (4.3) logs each chunk
      const from = (<u64>lowPages) << 12;
      const to = (<u64>highPages) << 12;
      emit(EV_RAM_MOVED, pages, lo(from), hi(from), lo(to), hi(to), 0);
    }
    highPages += pages;
    movedPages += <u64>pages;
  }
}

// ---- phase: openHighWindow ---------------------------------------------------------
function openHighWindow(physAddrBits: u32): void {
  if (!has(B_BAR64_RC) && !has(B_BAR64_SUM)) return; // 4.2 has no 64-bit placement
  highBase = (<u64>highPages) << 12;
  if (has(B_HIGH_FLOOR)) {
    // 42d075411b (4.3): with no RAM above 4 GiB the window starts at 4 GiB.
    // (highMemEnd is validated to be 0 or at least 4 GiB, so hvmloader's
    // warning about a high_mem_pgend below 4 GiB cannot arise.)
    if (highBase < FOUR_GIB) highBase = FOUR_GIB;
    emit(EV_HIGH_BASE, highPages != 0 ? 1 : 0, lo(highBase), hi(highBase), 0, 0, 0);
  }
  highMax = (<u64>1) << physAddrBits;
}

// ---- phase: assignBars ---------------------------------------------------------
const R_MEM: u32 = 0;
const R_HIGH: u32 = 1;
const R_IO: u32 = 2;

function writePlaced(out: usize, slot: u32, at: usize, placement: u32, address: u64): void {
  const p = out + <usize>(slot * PLACED_WORDS) * 4;
  wr(p, PB_DEVFN, rd(at, E_DEVFN));
  wr(p, PB_REG, rd(at, E_REG));
  wr(p, PB_TYPE, rd(at, E_TYPE));
  wr(p, PB_PLACEMENT, placement);
  wr64(p, PB_SIZE, rd64(at, E_SIZE));
  wr64(p, PB_ADDRESS, address);
}

// 4.2: every quantity is 32 bits wide and wraps.
function assignBars32(out: usize, first: u32): u32 {
  let memBase: u32 = memStart;
  let ioBase: u32 = <u32>IO_START;
  let unplaced: u32 = 0;
  for (let i: u32 = 0; i < nEntries; i++) {
    const at = entryAt(rd(order, i));
    const devfn = rd(at, E_DEVFN);
    const reg = rd(at, E_REG);
    const size = <u32>rd64(at, E_SIZE);
    const isMem = (rd(at, E_KIND) & K_MEM) != 0;
    let data = rd(at, E_DATA) & (isMem ? 0xf : 0x3);
    const resBase = isMem ? memBase : ioBase;
    const resMax: u32 = isMem ? memEnd : <u32>IO_END;
    let base: u32 = (resBase + size - 1) & ~(size - 1);
    data |= base;
    const end: u32 = base + size;
    if (end < resBase || end > resMax) {
      emit(EV_NO_SPACE, devfn, reg, size, 0, 0, 0);
      writePlaced(out, first + i, at, PLACE_UNPLACED, 0);
      unplaced++;
      continue;
    }
    if (isMem) memBase = end; else ioBase = end;
    emit(EV_BAR, devfn, reg, size, 0, data, 0);
    writePlaced(out, first + i, at, isMem ? PLACE_LOW : PLACE_IO, <u64>base);
  }
  return unplaced;
}

function assignBars64(out: usize, first: u32): u32 {
  let memBase: u64 = <u64>memStart;
  const memMax: u64 = <u64>memEnd;
  let ioBase: u64 = IO_START;
  let mmioLeft: i64 = <i64>(memEnd - memStart); // 4.3-rc only
  let nextReserved: i32 = has(B_RMRR_SKIP_ONCE) ? findNextReserved(memStart) : -1;
  let unplaced: u32 = 0;
  for (let i: u32 = 0; i < nEntries; i++) {
    const at = entryAt(rd(order, i));
    const devfn = rd(at, E_DEVFN);
    const reg = rd(at, E_REG);
    const size = rd64(at, E_SIZE);
    const kind = rd(at, E_KIND);
    const is64 = (kind & K_64) != 0;
    const isMem = (kind & K_MEM) != 0;
    const huge = has(B_HUGE_BAR) && size > HUGE_BAR;

    let using64 = false;
    if (has(B_BAR64_RC)) {
      // the signed "MMIO left" compares as unsigned against the size
      using64 = is64 && bar64 && <u64>mmioLeft < size;
    } else {
      // 703e150231 (4.3): judged against the running total and the space left
      using64 = is64 && bar64 && (mmioTotal > memMax - memBase || huge);
    }

    let data = rd(at, E_DATA);
    let res = R_IO;
    if (isMem) {
      const goHigh = has(B_BAR64_RC) ? using64 && size > BIG_BAR_4_3_RC : using64;
      if (goHigh) {
        if ((highBase & (size - 1)) != 0) highBase = highBase - (highBase & (size - 1)) + size;
        if (has(B_MMIO_HOLE) && hiStart == 0) hiStart = highBase;
        res = R_HIGH;
      } else {
        res = R_MEM;
      }
      data &= 0xf;
      if (has(B_BAR64_RC)) mmioLeft -= <i64>size;
      else if (!huge) mmioTotal -= size;
    } else {
      data &= 0x3;
    }

    const resBase: u64 = res == R_MEM ? memBase : res == R_HIGH ? highBase : ioBase;
    const resMax: u64 = res == R_MEM ? memMax : res == R_HIGH ? highMax : IO_END;
    let base: u64 = (resBase + size - 1) & ~(size - 1);

    if (res == R_MEM && has(B_RMRR_SKIP_ONCE)) {
      // b730fc3e15 (4.6): skip past the one reserved range found so far
      while (nextReserved >= 0 && overlaps(base, size, reservedStart(<u32>nextReserved), reservedSize(<u32>nextReserved))) {
        base = reservedStart(<u32>nextReserved) + reservedSize(<u32>nextReserved);
        base = (base + size - 1) & ~(size - 1);
        nextReserved = findNextReserved(<u32>base);
      }
    } else if (res == R_MEM && has(B_RMRR_SKIP_EACH)) {
      // ecc607b185 (4.10, in 4.19): look the next range up from this BAR's base
      let next = findNextReserved(<u32>base);
      while (next >= 0 && overlaps(base, size, reservedStart(<u32>next), reservedSize(<u32>next))) {
        base = reservedStart(<u32>next) + reservedSize(<u32>next);
        base = (base + size - 1) & ~(size - 1);
        next = findNextReserved(<u32>base);
      }
    }

    const dataLo = data | <u32>base;
    const dataHi = hi(base);
    const end = base + size;
    if (end < resBase || end > resMax) {
      emit(EV_NO_SPACE, devfn, reg, lo(size), hi(size), 0, 0);
      writePlaced(out, first + i, at, PLACE_UNPLACED, 0);
      unplaced++;
      continue;
    }
    if (res == R_MEM) memBase = end;
    else if (res == R_HIGH) highBase = end;
    else ioBase = end;
    emit(EV_BAR, devfn, reg, lo(size), hi(size), dataLo, dataHi);
    writePlaced(out, first + i, at, res == R_MEM ? PLACE_LOW : res == R_HIGH ? PLACE_HIGH : PLACE_IO, base);
  }
  return unplaced;
}

// ---- phase: closeHighWindow ------------------------------------------------------
function closeHighWindow(out: usize, nPlaced: u32): void {
  if (has(B_MMIO_HOLE)) {
    // 4.5: the end is aligned like the start, so one MTRR can cover the window
    if (hiStart != 0) hiEnd = ((highBase - 1) | ((hiStart & (0 - hiStart)) - 1)) + 1;
    return;
  }
  // 4.2 and 4.3 keep no window variables: report the span of the high BARs
  for (let i: u32 = 0; i < nPlaced; i++) {
    const p = out + <usize>(i * PLACED_WORDS) * 4;
    if (rd(p, PB_PLACEMENT) != PLACE_HIGH) continue;
    const start = rd64(p, PB_ADDRESS);
    const end = start + rd64(p, PB_SIZE);
    if (hiStart == 0 || start < hiStart) hiStart = start;
    if (end > hiEnd) hiEnd = end;
  }
}

// ---- one bus ----------------------------------------------------------------------
function isaBridgePresent(nDevices: u32): bool {
  for (let d: u32 = 0; d < nDevices; d++) {
    const dev = devicesAt + <usize>(d * DEVICE_WORDS) * 4;
    if (rd(dev, DEV_DEVFN) != ISA_DEVFN) continue;
    return !(rd(dev, DEV_VENDOR) == 0xffff && rd(dev, DEV_DEVICE) == 0xffff);
  }
  return false;
}

// Places one bus record and writes its result record at `out`.
// Returns the number of words written.
export function placeBus(busAt: usize, out: usize): u32 {
  bus = busAt;
  beh = rd(bus, BUS_BEHAVIOURS);
  flags = rd(bus, BUS_FLAGS);
  nReserved = rd(bus, BUS_N_RESERVED);
  const nDevices = rd(bus, BUS_N_DEVICES);
  reservedAt = bus + <usize>BUS_HEADER_WORDS * 4;
  devicesAt = reservedAt + <usize>(nReserved * RESERVED_WORDS) * 4;
  barsAt = devicesAt + <usize>(nDevices * DEVICE_WORDS) * 4;

  memStart = HOLE_START_DEFAULT;
  memEnd = HOLE_END;
  lowPages = <u32>(rd64(bus, BUS_LOW_MEM_END) >> 12);
  highPages = <u32>(rd64(bus, BUS_HIGH_MEM_END) >> 12);
  movedPages = 0;
  mmioTotal = 0;
  bar64 = false;
  highBase = 0;
  highMax = 0;
  hiStart = 0;
  hiEnd = 0;
  nEntries = 0;
  nEarly = 0;
  nEvents = 0;

  readSettings();
  routeIsaLinks(isaBridgePresent(nDevices));
  scanBus(nDevices);
  sortEntries();
  sizeLowHole();
  decideBar64();
  relocateRam();
  openHighWindow(rd(bus, BUS_PHYS_ADDR_BITS));

  const placedAt = out + <usize>RES_HEADER_WORDS * 4;
  if (nEarly > 0) memory.copy(placedAt, early, <usize>(nEarly * PLACED_WORDS) * 4);
  const unplaced = has(B_ARITH32) ? assignBars32(placedAt, nEarly) : assignBars64(placedAt, nEarly);
  const nPlaced = nEarly + nEntries;
  closeHighWindow(placedAt, nPlaced);

  const eventsOut = placedAt + <usize>(nPlaced * PLACED_WORDS) * 4;
  memory.copy(eventsOut, events, <usize>(nEvents * EVENT_WORDS) * 4);
  const words = RES_HEADER_WORDS + nPlaced * PLACED_WORDS + nEvents * EVENT_WORDS;

  wr(out, RES_WORDS, words);
  wr(out, RES_MEM_START, memStart);
  wr(out, RES_MEM_END, memEnd);
  wr64(out, RES_HI_START, hiStart);
  wr64(out, RES_HI_END, hiEnd);
  wr64(out, RES_LOW_MEM_END, (<u64>lowPages) << 12);
  wr64(out, RES_HIGH_MEM_END, (<u64>highPages) << 12);
  wr64(out, RES_RELOCATED, movedPages << 12);
  wr(out, RES_BAR64_RELOCATE, bar64 ? 1 : 0);
  wr(out, RES_N_BARS, nPlaced);
  wr(out, RES_N_EVENTS, nEvents);
  wr(out, RES_N_UNPLACED, unplaced);
  return words;
}
