// Which placement behaviours each modelled hvmloader has. One row per version:
// "what changed in 4.19?" is answered by comparing two rows, not by reading
// conditions scattered through the phases.

export const V_4_2: u32 = 0; // RELEASE-4.2.0
export const V_4_3_RC: u32 = 1; // 4.3.0-rc5, before the "relocate devices" series
export const V_4_3: u32 = 2; // RELEASE-4.3.0
export const V_4_5: u32 = 3; // RELEASE-4.5.0
export const V_4_6: u32 = 4; // RELEASE-4.6.0
export const V_4_19: u32 = 5; // RELEASE-4.19.0
export const V_4_21: u32 = 6; // RELEASE-4.21.0
export const VERSION_COUNT: u32 = 7;

// 4.2 keeps sizes, bases and the MMIO total in 32-bit variables.
export const B_ARITH32: u32 = 1 << 0;
// 4.3-rc on: the upper register of a 64-bit BAR is sized too.
export const B_SIZE_UPPER: u32 = 1 << 1;
// 4.2 skips a BAR only when the raw read-back is 0; later ones after masking.
export const B_SKIP_AFTER_MASK: u32 = 1 << 2;
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
// 4.19 on: the next reserved range is looked up afresh for every BAR.
export const B_RMRR_SKIP_EACH: u32 = 1 << 11;
// 4.19 on: 64-bit BARs over 1 GiB always go high and are left out of the total.
export const B_HUGE_BAR: u32 = 1 << 12;
// 4.21: with the platform BAR not UC, it is put at the top of the hole at scan.
export const B_PLATFORM_BAR: u32 = 1 << 13;

const ROW_4_2: u32 = B_ARITH32;
const ROW_4_3_RC: u32 = B_SIZE_UPPER | B_SKIP_AFTER_MASK | B_BAR64_RC;
const ROW_4_3: u32 = B_SIZE_UPPER | B_SKIP_AFTER_MASK | B_RELOCATE_KEY | B_BAR64_SUM | B_HIGH_FLOOR;
const ROW_4_5: u32 = ROW_4_3 | B_MMIO_HOLE;
const ROW_4_6: u32 = ROW_4_5 | B_ROM_PROBE | B_RMRR_START | B_RMRR_SKIP_ONCE;
const ROW_4_19: u32 = (ROW_4_6 & ~B_RMRR_SKIP_ONCE) | B_RMRR_SKIP_EACH | B_HUGE_BAR;
const ROW_4_21: u32 = ROW_4_19 | B_PLATFORM_BAR;

export function behaviours(version: u32): u32 {
  switch (version) {
    case V_4_2: return ROW_4_2;
    case V_4_3_RC: return ROW_4_3_RC;
    case V_4_3: return ROW_4_3;
    case V_4_5: return ROW_4_5;
    case V_4_6: return ROW_4_6;
    case V_4_19: return ROW_4_19;
    default: return ROW_4_21;
  }
}
