// The keys the memory budget reads from an xl.cfg.
import { describe, expect, it } from 'vitest';
import { readGuest, readXlGuest } from '../../src/guest/config.js';

describe('budget keys in a guest config', () => {
  it('reads vcpus, maxvcpus, shadow_memory, passthrough and stubdomain_memory', () => {
    const g = readXlGuest('type = "hvm"\nvcpus = 4\nmaxvcpus = 8\nshadow_memory = 64\npassthrough = "sync_pt"\nstubdomain_memory = 256\n', 'g.cfg');
    expect(g).toMatchObject({ vcpus: 4, maxvcpus: 8, shadowMemoryMiB: 64, passthrough: 'sync_pt', stubdomainMemoryMiB: 256 });
    expect(g.otherKeys).toEqual([]);
  });
  it('keeps type and builder as written', () => {
    expect(readXlGuest('type = "pvh"\n')).toMatchObject({ type: 'pvh', typeKey: 'pvh', builder: undefined });
    expect(readXlGuest('builder = "hvm"\n')).toMatchObject({ type: 'hvm', typeKey: undefined, builder: 'hvm' });
    expect(readGuest('{"type": "pv", "vcpus": 2}', 'g.json')).toMatchObject({ type: 'pv', typeKey: 'pv', vcpus: 2 });
  });
  it('refuses values xl would refuse, naming the key', () => {
    expect(() => readXlGuest('passthrough = "shared"\n', 'bad.cfg')).toThrow(/bad\.cfg:1:15 passthrough: "shared" is not allowed; use one of "default", "disabled", "enabled", "sync_pt", "share_pt"/);
    expect(() => readXlGuest('vcpus = 0\n', 'bad.cfg')).toThrow(/bad\.cfg:1:9 vcpus: 0 is out of range/);
    expect(() => readXlGuest('shadow_memory = "lots"\n', 'bad.cfg')).toThrow(/shadow_memory: "lots" is not a whole number; shadow_memory is in MiB/);
  });
});
