// One `disk = [...]` item, read the way libxlu's disk scanner reads it
// (xen.git RELEASE-4.19.0 tools/libs/util/libxlu_disk_l.l;
// xl-disk-configuration(5)). Only the virtual device name and whether it is
// a CD-ROM shape the PCI bus: a non-CD-ROM `sd*` disk makes qemu-xen create
// a SCSI controller.

export interface DiskSpec {
  vdev?: string;
  cdrom: boolean;
  text: string;
}

const FORMATS = new Set(['', 'raw', 'qcow', 'qcow2', 'vhd', 'qed', 'empty']);
const STRING_KEYS = new Set(['access', 'backend', 'backendtype', 'specification', 'script', 'colo-host', 'colo-port', 'colo-export', 'active-disk', 'hidden-disk', 'grant_usage']);
const FLAGS = new Set(['direct-io-safe', 'discard', 'no-discard', 'colo', 'no-colo', 'trusted', 'untrusted']);
// old "prefix:" forms; (raw|qcow2?|vhd) also name the format
const FORMAT_PREFIX = /^(raw|qcow2?|vhd):/;
const OTHER_PREFIX = /^(iscsi|e?nbd|drbd|tapdisk|tap2?|aio|ioemu|file|phy):/;

/** Parses a DISKSPEC; throws an Error whose message says what is wrong. */
export function parseDiskSpec(text: string): DiskSpec {
  const spec: DiskSpec = { cdrom: false, text };
  let target: string | undefined;
  let format: string | undefined;
  let access: string | undefined;
  let deprecatedPrefix = false;
  // `<vdev>:cdrom` in the vdev position
  const vdevAndType = (s: string): boolean => {
    const colon = s.indexOf(':');
    if (colon < 0) return false;
    const type = s.slice(colon + 1);
    if (type !== 'cdrom' && type !== 'disk') throw new Error(`unknown device type "${type}" after the vdev (use :cdrom)`);
    spec.vdev = s.slice(0, colon);
    spec.cdrom = type === 'cdrom';
    return true;
  };
  let rest = text;
  while (rest.length > 0) {
    rest = rest.replace(/^[ \t\n]+/, '');
    if (rest.startsWith('target=')) {
      target = rest.slice('target='.length); // eats the rest of the string
      break;
    }
    const prefix = FORMAT_PREFIX.exec(rest) ?? OTHER_PREFIX.exec(rest);
    if (prefix) {
      if (FORMAT_PREFIX.test(rest)) format = prefix[1];
      deprecatedPrefix = true;
      rest = rest.slice(prefix[0].length);
      continue;
    }
    const comma = rest.indexOf(',');
    const token = comma < 0 ? rest : rest.slice(0, comma);
    rest = comma < 0 ? '' : rest.slice(comma + 1);
    const eq = token.indexOf('=');
    if (eq >= 0) {
      const key = token.slice(0, eq);
      const value = token.slice(eq + 1);
      if (key === 'vdev') spec.vdev = value;
      else if (key === 'format') format = checkFormat(value);
      else if (key === 'devtype') {
        if (value !== 'cdrom' && value !== 'disk') throw new Error(`devtype=${value}: use devtype=cdrom or devtype=disk`);
        spec.cdrom = value === 'cdrom';
      } else if (!STRING_KEYS.has(key)) throw new Error(`unknown parameter "${key}" (see xl-disk-configuration(5))`);
      continue;
    }
    if (token === 'cdrom') {
      spec.cdrom = true;
      continue;
    }
    if (FLAGS.has(token)) continue;
    // positional: target, format, vdev, access
    if (target === undefined) target = token;
    else if (!deprecatedPrefix && format === undefined) {
      if (target === '' && vdevAndType(token)) format = 'empty';
      else format = checkFormat(token);
    } else if (spec.vdev === undefined) {
      if (!vdevAndType(token)) spec.vdev = token;
    } else if (access === undefined) access = token;
    else throw new Error(`too many positional parameters at "${token}" (target, format, vdev, access)`);
  }
  if (!spec.vdev) throw new Error('no vdev: name the guest device, e.g. "vdev=xvda" or ",,hda" after the target');
  return spec;
}

function checkFormat(value: string): string {
  if (!FORMATS.has(value)) throw new Error(`"${value}" is not a disk format (raw, qcow, qcow2, vhd, qed); in positional form the format comes before the vdev: "TARGET,FORMAT,VDEV"`);
  return value;
}
