// The web page: loads the engine from this origin, keeps the form, the URL
// fragment and the plan in step, and shows each error beside its field.

import './zod-jitless.js'; // first: before any module builds a zod schema
import engineUrl from '../build/engine.wasm?url&no-inline';
import { installEngine } from '../src/engine/wasm.js';
import { EXAMPLES } from './examples.js';
import { fromFragment, toFragment, type DeviceInput, type PageInput } from './fragment.js';
import { planInput, type FieldError } from './plan-input.js';
import { h, renderPlan } from './render.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const config = $<HTMLTextAreaElement>('config');
const devices = $<HTMLDivElement>('devices');
const xen = $<HTMLInputElement>('xen');
const dm = $<HTMLSelectElement>('dm');
const toolstack = $<HTMLSelectElement>('toolstack');
const bits = $<HTMLInputElement>('bits');
const rmrr = $<HTMLTextAreaElement>('rmrr');
const dmesg = $<HTMLTextAreaElement>('dmesg');
const link = $<HTMLInputElement>('link');
const status = $<HTMLParagraphElement>('status');
const planOut = $<HTMLDivElement>('plan');
const template = $<HTMLTemplateElement>('device-template');

/** What the page shows, for people (status line) and for the browser tests (body data-state). */
function setState(state: 'loading' | 'empty' | 'errors' | 'planned' | 'broken', message: string): void {
  document.body.dataset.state = state;
  document.body.dataset.generation = String(Number(document.body.dataset.generation ?? 0) + 1);
  status.textContent = message;
}

// ---- the form <-> PageInput

function deviceRows(): HTMLElement[] {
  return [...devices.querySelectorAll<HTMLElement>('.device-input')];
}

function renumberDevices(): void {
  deviceRows().forEach((row, i) => {
    row.dataset.index = String(i);
    row.querySelector('.bdf')!.setAttribute('aria-label', `device ${i + 1} host BDF`);
    row.querySelector('.text')!.setAttribute('aria-label', `device ${i + 1}: lspci -vv, sysfs resource or JSON`);
    row.querySelector('.text-file')!.setAttribute('aria-label', `open a file for device ${i + 1}`);
    row.querySelector('.remove')!.setAttribute('aria-label', `remove device ${i + 1}`);
  });
}

function addDevice(d: DeviceInput = { bdf: '', text: '' }): HTMLElement {
  const row = (template.content.firstElementChild as HTMLElement).cloneNode(true) as HTMLElement;
  const bdf = row.querySelector<HTMLInputElement>('.bdf')!;
  const text = row.querySelector<HTMLTextAreaElement>('.text')!;
  bdf.value = d.bdf;
  text.value = d.text;
  acceptFiles(text, row.querySelector<HTMLInputElement>('.text-file')!);
  row.querySelector('.remove')!.addEventListener('click', () => {
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    renumberDevices();
    ((next?.querySelector('.bdf') as HTMLElement | null) ?? $('add-device')).focus();
    schedule(0);
  });
  devices.append(row);
  renumberDevices();
  return row;
}

function readForm(): PageInput {
  return {
    config: config.value,
    devices: deviceRows().map((row) => ({ bdf: row.querySelector<HTMLInputElement>('.bdf')!.value.trim(), text: row.querySelector<HTMLTextAreaElement>('.text')!.value })),
    rmrr: rmrr.value.split('\n').map((s) => s.trim()),
    dmesg: dmesg.value,
    xen: xen.value.trim(),
    dm: dm.value,
    toolstack: toolstack.value,
    bits: bits.value.trim(),
  };
}

function writeForm(input: PageInput): void {
  config.value = input.config;
  devices.replaceChildren();
  for (const d of input.devices) addDevice(d);
  xen.value = input.xen;
  bits.value = input.bits ?? '';
  for (const [select, value] of [[dm, input.dm], [toolstack, input.toolstack ?? '']] as const) {
    // a value the list lacks (from a hand-written link) is kept, so its error shows beside the field
    if (![...select.options].some((o) => o.value === value)) select.append(h('option', { value }, value));
    select.value = value;
  }
  rmrr.value = input.rmrr.join('\n');
  dmesg.value = input.dmesg;
  if (input.rmrr.length || input.dmesg) $<HTMLDetailsElement>('rmrr-section').open = true;
}

/** Paste, type, drop a file on the textarea, or pick one: the text lands in the textarea. */
function acceptFiles(area: HTMLTextAreaElement, picker: HTMLInputElement): void {
  const load = async (file: File | undefined) => {
    if (!file) return;
    area.value = await file.text();
    schedule(0);
  };
  area.addEventListener('dragover', (e) => {
    e.preventDefault();
    area.classList.add('drop');
  });
  area.addEventListener('dragleave', () => area.classList.remove('drop'));
  area.addEventListener('drop', (e) => {
    e.preventDefault();
    area.classList.remove('drop');
    void load(e.dataTransfer?.files[0]);
  });
  picker.addEventListener('change', () => void load(picker.files?.[0]));
}

// ---- errors beside their fields

function clearErrors(): void {
  for (const el of document.querySelectorAll<HTMLElement>('.error')) el.replaceChildren();
  for (const el of document.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** The line an error points at, with a caret under the column, and a way to go there. */
function excerpt(area: HTMLTextAreaElement, line: number, col?: number): Node[] {
  const lines = area.value.split('\n');
  const text = lines[line - 1];
  if (text === undefined) return [];
  const gutter = `${line} | `;
  const caret = col ? `\n${' '.repeat(gutter.length + col - 1)}^` : '';
  const go = h('button', { type: 'button', class: 'goto' }, `Go to line ${line}`);
  go.addEventListener('click', () => {
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + (col ? col - 1 : 0);
    area.focus();
    area.setSelectionRange(start, col ? start + 1 : start + text.length);
  });
  return [h('pre', { class: 'excerpt' }, gutter + text + caret), go];
}

function showErrors(errors: FieldError[]): void {
  for (const e of errors) {
    let box: HTMLElement;
    let area: HTMLTextAreaElement | undefined;
    let control: HTMLElement | undefined;
    if (typeof e.field === 'object') {
      const row = deviceRows()[e.field.device];
      box = row.querySelector('.error')!;
      area = row.querySelector<HTMLTextAreaElement>('.text')!;
      control = /BDF:/.test(e.message) ? row.querySelector<HTMLElement>('.bdf')! : area;
    } else {
      box = $(`${e.field}-error`);
      area = e.field === 'config' ? config : e.field === 'dmesg' ? dmesg : e.field === 'rmrr' ? rmrr : undefined;
      control = area ?? (e.field === 'xen' ? xen : e.field === 'dm' ? dm : e.field === 'toolstack' ? toolstack : e.field === 'bits' ? bits : undefined);
      if (e.field === 'rmrr' || e.field === 'dmesg') $<HTMLDetailsElement>('rmrr-section').open = true;
    }
    control?.setAttribute('aria-invalid', 'true');
    const issue = h('div', { class: 'issue', 'data-line': e.line ? String(e.line) : undefined, 'data-col': e.col ? String(e.col) : undefined }, h('p', { class: 'message' }, e.message));
    if (area && e.line && e.field !== 'rmrr') issue.append(...excerpt(area, e.line, e.col));
    if (e.missingBdf) {
      const add = h('button', { type: 'button' }, `Add a device for ${e.missingBdf}`);
      const bdf = e.missingBdf;
      add.addEventListener('click', () => addDevice({ bdf, text: '' }).querySelector<HTMLElement>('.text')!.focus());
      issue.append(add);
    }
    box.append(issue);
  }
}

// ---- plan, link

let lastFragment: string | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;

function schedule(delay = 250): void {
  clearTimeout(timer);
  timer = setTimeout(() => update(), delay);
}

function update(extraProblems: string[] = []): void {
  const input = readForm();
  const fragment = toFragment(input);
  if (fragment !== lastFragment) {
    lastFragment = fragment;
    history.replaceState(null, '', fragment ? `#${fragment}` : location.pathname + location.search);
  }
  link.value = location.href;
  clearErrors();
  if (!input.config.trim() && input.devices.length === 0) {
    planOut.replaceChildren();
    setState('empty', 'Paste an xl.cfg, or open an example.');
    showErrors(extraProblems.map((message) => ({ field: 'page' as const, message })));
    return;
  }
  let result: ReturnType<typeof planInput>;
  try {
    result = planInput(input);
  } catch (e) {
    // not an InputError: a fault of this page or the planner, not of the input
    planOut.replaceChildren();
    showErrors([{ field: 'page', message: `internal error (please report it with this link): ${(e as Error).message}` }]);
    setState('broken', 'Internal error; see below.');
    return;
  }
  const errors = [...extraProblems.map((message) => ({ field: 'page' as const, message })), ...result.errors];
  showErrors(errors);
  if (!result.plan) {
    planOut.replaceChildren(h('p', { class: 'waiting' }, 'The plan appears once the input is readable; each problem is shown beside its field.'));
    setState('errors', `${errors.length} problem${errors.length === 1 ? '' : 's'} in the input.`);
    return;
  }
  planOut.replaceChildren(renderPlan(result.plan, result.budget));
  const n = result.plan.cases.length;
  setState('planned', `Planned ${n} case${n === 1 ? '' : 's'}; worst outcome: ${result.plan.outcome}.`);
  document.body.dataset.outcome = result.plan.outcome;
}

function loadFragment(): void {
  const { input, problems } = fromFragment(location.hash);
  writeForm(input);
  lastFragment = toFragment(input);
  update(problems);
}

async function start(): Promise<void> {
  document.body.dataset.state = 'loading';
  for (const ex of EXAMPLES) {
    const a = h('a', { href: `#${toFragment(ex.input)}` }, ex.name);
    $('examples').append(a, ' ');
  }
  acceptFiles(config, $<HTMLInputElement>('config-file'));
  acceptFiles(dmesg, $<HTMLInputElement>('dmesg-file'));
  $('input').addEventListener('input', () => schedule());
  $('input').addEventListener('change', () => schedule());
  $('input').addEventListener('submit', (e) => e.preventDefault());
  $('add-device').addEventListener('click', () => {
    addDevice().querySelector<HTMLElement>('.bdf')!.focus();
    schedule(0);
  });
  $('copy-link').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      status.textContent = 'Link copied.';
    } catch {
      link.select();
      status.textContent = 'Select the link and copy it (the clipboard was not available).';
    }
  });
  planOut.addEventListener('click', (e) => {
    // the side-by-side headers jump to a case without changing the fragment, which holds the input
    const a = (e.target as HTMLElement).closest<HTMLAnchorElement>('a[data-jump]');
    if (!a) return;
    e.preventDefault();
    const target = document.getElementById(a.dataset.jump!);
    target?.scrollIntoView();
    target?.querySelector('summary')?.focus();
  });
  window.addEventListener('hashchange', () => {
    if (location.hash.replace(/^#/, '') !== lastFragment) loadFragment();
  });
  try {
    const response = await fetch(engineUrl);
    if (!response.ok) throw new Error(`${engineUrl}: HTTP ${response.status}`);
    installEngine(await WebAssembly.compile(await response.arrayBuffer()));
  } catch (e) {
    setState('broken', `The engine did not load: ${(e as Error).message}. Reload the page.`);
    return;
  }
  loadFragment();
}

void start();
