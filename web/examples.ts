// The bundled guests (scenarios/guests with scenarios/devices), as the README
// runs them, offered as links: a way in for a first visit.

import igdConfig from '../scenarios/guests/igd-passthrough.cfg?raw';
import win10Config from '../scenarios/guests/win10-gpu-nic.cfg?raw';
import igd from '../scenarios/devices/intel-igd.lspci?raw';
import rtx3090 from '../scenarios/devices/geforce-rtx3090.lspci?raw';
import x710 from '../scenarios/devices/x710-sriov.lspci?raw';
import type { PageInput } from './fragment.js';

export const EXAMPLES: { name: string; input: PageInput }[] = [
  {
    name: 'Windows guest, RTX 3090 + X710, Xen 4.17.4 and 4.19',
    input: { config: win10Config, devices: [{ bdf: '0b:00.0', text: rtx3090 }, { bdf: '3b:00.0', text: x710 }], rmrr: [], dmesg: '', xen: '4.17.4,4.19', dm: 'qemu-xen,qemu-xen-traditional', bits: '46' },
  },
  {
    name: 'Intel IGD with its RMRR, Xen 4.19',
    input: { config: igdConfig, devices: [{ bdf: '00:02.0', text: igd }], rmrr: ['0x7d000000-0x7f7fffff@00:02.0'], dmesg: '', xen: '4.19', dm: 'qemu-xen' },
  },
];
