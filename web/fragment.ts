// The page's whole input, and its form in the URL fragment, so a plan can be
// shared as a link:
//   #config=<base64url>&pci=<BDF>~<base64url>&pci=...&xen=4.14.3,4.19&dm=qemu-xen
//   &toolstack=xend&bits=46&rmrr=0x7d000000-0x7f7fffff@00:02.0&dmesg=<base64url>
// Texts travel as base64url of their UTF-8 bytes; the short values (BDF,
// releases, device models, --rmrr strings) as written, so a link stays legible.
// A fragment never reaches a server, so nothing typed leaves the browser.

export interface DeviceInput {
  bdf: string;
  /** `lspci -vv -s BDF` text, a sysfs resource file or JSON BARs. */
  text: string;
}

export interface PageInput {
  config: string;
  devices: DeviceInput[];
  /** One --rmrr START-END@BDF per entry. */
  rmrr: string[];
  /** `xl dmesg` text to read RMRRs from (empty: none). */
  dmesg: string;
  /** Releases as --xen takes them ("4.14.3,4.19"); empty means the CLI's default. */
  xen: string;
  /** Device models as --device-model takes them; empty means the config's, else both. */
  dm: string;
  /** Who starts the guest, as --toolstack takes it; empty means libxl (xl). */
  toolstack?: string;
  /** The host CPU's physical address width, as --phys-addr-bits takes it; empty means hvmloader's default. */
  bits?: string;
}

export const EMPTY_INPUT: PageInput = { config: '', devices: [], rmrr: [], dmesg: '', xen: '', dm: '' };

export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  // in chunks: String.fromCharCode with a whole large file overflows the argument limit
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url to text; undefined when it is not base64url of UTF-8. */
export function fromBase64Url(value: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return undefined;
  try {
    const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

// Short values keep the characters a person reads (, : @ + ~) and escape the rest.
const encodeShort = (v: string) => encodeURIComponent(v).replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%40/g, '@').replace(/%2B/g, '+');

/** The fragment (without '#') holding the input; empty fields are left out. */
export function toFragment(input: PageInput): string {
  const parts: string[] = [];
  if (input.config) parts.push(`config=${toBase64Url(input.config)}`);
  for (const d of input.devices) parts.push(`pci=${encodeShort(d.bdf)}~${toBase64Url(d.text)}`);
  if (input.xen.trim()) parts.push(`xen=${encodeShort(input.xen.trim())}`);
  if (input.dm.trim()) parts.push(`dm=${encodeShort(input.dm.trim())}`);
  if (input.toolstack?.trim()) parts.push(`toolstack=${encodeShort(input.toolstack.trim())}`);
  if (input.bits?.trim()) parts.push(`bits=${encodeShort(input.bits.trim())}`);
  for (const r of input.rmrr) if (r.trim()) parts.push(`rmrr=${encodeShort(r.trim())}`);
  if (input.dmesg) parts.push(`dmesg=${toBase64Url(input.dmesg)}`);
  return parts.join('&');
}

export interface ReadFragment {
  input: PageInput;
  /** Parts that could not be read, said the way a person can act on. */
  problems: string[];
}

/** Reads a fragment (with or without '#'); unknown keys and damaged parts are reported, not guessed at. */
export function fromFragment(fragment: string): ReadFragment {
  const input: PageInput = { ...EMPTY_INPUT, devices: [], rmrr: [] };
  const problems: string[] = [];
  const text = (key: string, value: string): string => {
    const t = fromBase64Url(value);
    if (t === undefined) problems.push(`the link's ${key} is not base64url text; it was cut short or changed`);
    return t ?? '';
  };
  for (const part of fragment.replace(/^#/, '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    let value = eq < 0 ? '' : part.slice(eq + 1);
    if (key !== 'config' && key !== 'pci' && key !== 'dmesg') {
      try {
        value = decodeURIComponent(value);
      } catch {
        problems.push(`the link's ${key} is not valid percent-encoding`);
        continue;
      }
    }
    switch (key) {
      case 'config':
        input.config = text('config', value);
        break;
      case 'pci': {
        const tilde = value.indexOf('~');
        if (tilde < 0) {
          problems.push(`the link's pci=${value.slice(0, 20)} has no ~ between the BDF and the device text`);
          break;
        }
        let bdf = value.slice(0, tilde);
        try {
          bdf = decodeURIComponent(bdf);
        } catch {
          /* kept as written: the BDF check names it */
        }
        input.devices.push({ bdf, text: text(`pci ${bdf}`, value.slice(tilde + 1)) });
        break;
      }
      case 'xen':
        input.xen = value;
        break;
      case 'dm':
        input.dm = value;
        break;
      case 'toolstack':
        input.toolstack = value;
        break;
      case 'bits':
        input.bits = value;
        break;
      case 'rmrr':
        input.rmrr.push(value);
        break;
      case 'dmesg':
        input.dmesg = text('dmesg', value);
        break;
      default:
        problems.push(`the link has an unknown part "${key}"; it was left out`);
    }
  }
  return { input, problems };
}
