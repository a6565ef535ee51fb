// The JSON contract (shared/contract/bus-format.md): a bus description in, a
// placement result out. Addresses and sizes travel as lowercase 0x-hex strings.

import type { VersionName } from './versions.js';

export type Hex = string;
export type BarType = 'mem32' | 'mem64' | 'io' | 'rom';
export type Placement = 'low' | 'high' | 'io' | 'unplaced';

/** A BAR as written in a bus file: `size`, or the raw sizing read-back. */
export interface BarInput {
  index?: number | 'rom';
  type: BarType;
  prefetchable?: boolean;
  size?: Hex | number;
  mask?: Hex | number;
  maskHigh?: Hex | number;
}

export interface DeviceInput {
  slot: number;
  function?: number;
  vendorId: Hex | number;
  deviceId: Hex | number;
  classCode?: Hex | number;
  interruptPin?: number;
  bars?: BarInput[];
}

export interface ReservedInput {
  start: Hex | number;
  size: Hex | number;
}

/** The bus description hvmloader sees, as the contract writes it. */
export interface BusInput {
  hvmloader?: VersionName;
  /** A Xen release ("4.17.4") instead of hvmloader: placed as that release's own hvmloader build. */
  xen?: string;
  lowMemEnd: Hex | number;
  highMemEnd?: Hex | number;
  allowMemoryRelocate?: boolean;
  mmioHoleSize?: Hex | number;
  xenPlatformBarUc?: boolean;
  physAddrBits?: number;
  reserved?: ReservedInput[];
  devices: DeviceInput[];
}

export interface PlacedBar {
  slot: number;
  function: number;
  index: number | 'rom';
  reg: Hex;
  type: BarType;
  size: Hex;
  placement: Placement;
  address: Hex | null;
}

/** What hvmloader decided, as the contract writes it. */
export interface PlacementResult {
  hvmloader: VersionName;
  /** The Xen release placed, when the bus named one; hvmloader is then the nearest modelled version at or before it. */
  xen?: string;
  lowHole: { start: Hex; end: Hex };
  highWindow: { start: Hex; end: Hex } | null;
  ram: { lowMemEnd: Hex; highMemEnd: Hex; relocated: Hex };
  bar64Relocate: boolean;
  bars: PlacedBar[];
  log: string[];
}
