// Hex strings as the contract writes them: lowercase, 0x-prefixed.

export function hex(value: bigint | number): string {
  return '0x' + value.toString(16);
}

/** A 64-bit value from its two 32-bit halves, as the engine stores it. */
export function join64(low: number, high: number): bigint {
  return high === 0 ? BigInt(low >>> 0) : (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

/** Hex of a 64-bit value given as halves, without going through bigint when it fits. */
export function hex64(low: number, high: number): string {
  if (high === 0) return '0x' + (low >>> 0).toString(16);
  if (high < 0x200000) return '0x' + ((high >>> 0) * 0x100000000 + (low >>> 0)).toString(16);
  return '0x' + join64(low, high).toString(16);
}

export const KiB = 1024n;
export const MiB = 1024n * KiB;
export const GiB = 1024n * MiB;

/** A size for people: 256 MiB, 64 KiB, 1.5 GiB, 0x30 bytes. */
export function humanSize(bytes: bigint): string {
  const units: [bigint, string][] = [
    [1024n * GiB, 'TiB'],
    [GiB, 'GiB'],
    [MiB, 'MiB'],
    [KiB, 'KiB'],
  ];
  for (const [unit, name] of units) {
    if (bytes >= unit) {
      const whole = bytes / unit;
      const tenths = ((bytes % unit) * 10n) / unit;
      return tenths === 0n ? `${whole} ${name}` : `${whole}.${tenths} ${name}`;
    }
  }
  return `${bytes} B`;
}
