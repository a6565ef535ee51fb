// Every key xl reads from a domain config, to tell a misspelt key from one
// that simply does not shape the PCI bus. Collected from the
// xlu_cfg_get_*(config, "KEY") calls of xl_cmdimpl.c / xl_parse.c at
// RELEASE-4.2.0, 4.6.0, 4.12.0, 4.19.0 and 4.20.0, with the
// device_model_args_hvm/_pv keys xl.cfg(5) documents. xl itself ignores a
// key it does not read, so an unknown key is a note, never a refusal.

export const XL_KEYS: ReadonlySet<string> = new Set([
  'acpi', 'acpi_firmware', 'acpi_laptop_slate', 'acpi_s3', 'acpi_s4', 'altp2m', 'altp2mhvm', 'apic', 'bios',
  'bios_path_override', 'boot', 'bootloader', 'bootloader_args', 'bootloader_restrict', 'bootloader_user',
  'builder', 'cap', 'channel', 'cmdline', 'cpu_weight', 'cpuid', 'cpus', 'cpus_soft', 'device_model',
  'device_model_args', 'device_model_args_hvm', 'device_model_args_pv', 'device_model_override',
  'device_model_stubdomain_override', 'device_model_stubdomain_seclabel', 'device_model_user',
  'device_model_version', 'device_tree', 'disk', 'display', 'dm_restrict', 'driver_domain', 'dtdev',
  'e820_host', 'extra', 'extratime', 'firmware', 'firmware_override', 'gfx_passthru', 'gic_version', 'hap',
  'hdtype', 'hpet', 'hvm_pirq', 'init_seclabel', 'iomem', 'ioports', 'irqs', 'kernel', 'keymap', 'latency',
  'llc_colors', 'localtime', 'max_event_channels', 'max_grant_frames', 'max_grant_version',
  'max_maptrack_frames', 'maxmem', 'maxvcpus', 'mca_caps', 'memory', 'mmio_hole', 'ms_vm_genid',
  'msr_relaxed', 'name', 'nestedhvm', 'nodes', 'nographic', 'nomigrate', 'nr_spis', 'nx', 'on_crash',
  'on_poweroff', 'on_reboot', 'on_soft_reset', 'on_watchdog', 'oos', 'opengl', 'p9', 'pae', 'passthrough',
  'pci', 'pci_msitranslate', 'pci_permissive', 'pci_power_mgmt', 'pci_seize', 'period', 'pool', 'pvcalls',
  'pvh', 'pvshim', 'pvshim_cmdline', 'pvshim_extra', 'pvshim_path', 'ramdisk', 'rdm', 'rdm_mem_boundary',
  'root', 'rtc_timeoffset', 'sched', 'sdl', 'seclabel', 'serial', 'shadow_memory', 'slice', 'smbios',
  'smbios_firmware', 'soundhw', 'spice', 'spice_clipboard_sharing', 'spice_image_compression',
  'spice_streaming_video', 'spiceagent_mouse', 'spicedisable_ticketing', 'spicehost', 'spicepasswd',
  'spiceport', 'spicetls_port', 'spiceusbredirection', 'spicevdagent', 'stdvga', 'stubdomain_cmdline',
  'stubdomain_kernel', 'stubdomain_memory', 'stubdomain_ramdisk', 'sve', 'tee', 'timer_mode', 'tsc_mode',
  'type', 'usb', 'usbctrl', 'usbdev', 'usbdevice', 'usbversion', 'uuid', 'vcpus', 'vdispl', 'vendor_device',
  'vfb', 'vga', 'videoram', 'vif', 'vif2', 'viridian', 'virtio', 'vkb', 'vkb_device', 'vmtrace_buf_kb',
  'vnc', 'vncdisplay', 'vnclisten', 'vncpasswd', 'vncunused', 'vncviewer', 'vnuma', 'vpmu', 'vpt_align',
  'vsnd', 'vtpm', 'vuart', 'xauthority', 'xen_platform_pci', 'xend_suspend_evtchn_compat',
]);

/** Edits (insert, delete, substitute, swap two neighbours) from a to b; cap+1 when more than cap. */
function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return Math.min(d[a.length][b.length], cap + 1);
}

/** The known key a misspelt one most likely meant, if one is close. */
export function nearestKey(key: string): string | undefined {
  const cap = key.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = cap + 1;
  for (const k of XL_KEYS) {
    const d = distance(key, k, cap);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}
