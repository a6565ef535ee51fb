// mmio-planner: where Xen's hvmloader places every PCI BAR of an HVM guest.

export { place, placeMany, encode, Placements } from './place.js';
export type { PlaceOptions, PlacementSummary } from './place.js';
export { parseBus, parseBusJson, busToInput, isBus, withVersion } from './bus.js';
export type { Bus, Device, Bar } from './bus.js';
export type { BusInput, DeviceInput, BarInput, ReservedInput, PlacementResult, PlacedBar, BarType, Placement, Hex } from './contract.js';
export type { EncodedBuses } from './engine/encode.js';
export { BusError, InputError } from './errors.js';
export type { InputIssue } from './errors.js';
export { VERSIONS, VERSION_NAMES, DEFAULT_VERSION } from './versions.js';
export type { VersionName, VersionInfo } from './versions.js';
export { planGuest, indexDevices } from './guest/plan.js';
export type { GuestPlan, PlanCase, PlanOptions, DeviceReport, Finding } from './guest/plan.js';
export { readGuest, readXlGuest, readGuestDocument } from './guest/config.js';
export type { GuestConfig, DeviceModel } from './guest/config.js';
export { parseLspci, parseSysfsResource } from './guest/lspci.js';
export type { HostFunction, HostBar } from './guest/lspci.js';
export { parseRelease, hvmloaderOf, carries, knownReleases, CHANGES } from './guest/releases.js';
export type { Release, ChangeName, ReleaseChange } from './guest/releases.js';
export { parseRmrrSpec, parseXenDmesgRmrrs } from './guest/rdm.js';
export type { HostRmrr } from './guest/rdm.js';
export { advise, adviceReport } from './advisor/advise.js';
export type { Advice, AdviseOptions } from './advisor/advise.js';
export { placementSvg } from './report/svg.js';
export { budget } from './budget/budget.js';
export type { BudgetOptions, BudgetCase, GuestBudget, ClaimFailure } from './budget/budget.js';
export { budgetReport } from './report/budget.js';
