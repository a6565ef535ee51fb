// Word access to linear memory and the regions the engine works in.
// The engine allocates nothing managed: every table lives in raw memory that
// TypeScript sizes through prepare(), so the hot path never touches the GC.

@inline export function rd(base: usize, word: u32): u32 {
  return load<u32>(base + ((<usize>word) << 2));
}

@inline export function wr(base: usize, word: u32, value: u32): void {
  store<u32>(base + ((<usize>word) << 2), value);
}

@inline export function rd64(base: usize, word: u32): u64 {
  return load<u64>(base + ((<usize>word) << 2));
}

@inline export function wr64(base: usize, word: u32, value: u64): void {
  store<u64>(base + ((<usize>word) << 2), value);
}

// Ensures linear memory reaches `end` bytes. Returns false when it cannot grow.
export function ensureMemory(end: usize): bool {
  const have = (<usize>memory.size()) << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}
