import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const fixturePath = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('bpfkit inspect', () => {
  it('prints sections, programs, maps and relocations as JSON', async () => {
    const { code, stdout } = await run('inspect', fixturePath('legacy_sockfilter.bpfel.o'), '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.license).toBe('GPL');
    expect(report.programs).toEqual([
      expect.objectContaining({
        name: 'count_by_proto',
        section: 'socket',
        type: 'socket_filter',
        autoload: true,
      }),
    ]);
    expect(report.functions.map((f: { name: string }) => f.name)).toEqual(['account_bytes']);
    expect(
      report.maps.map((m: { name: string; format: string; type: string }) => [m.name, m.format, m.type]),
    ).toEqual([
      ['proto_packets', 'legacy', 'array'],
      ['proto_bytes', 'legacy', 'hash'],
    ]);
    expect(report.sections.map((s: { name: string }) => s.name)).toContain('maps');
    expect(report.programs[0].relocations).toContainEqual(
      expect.stringMatching(/^insn \d+: call account_bytes$/),
    );
  });

  it("names fields as bpftool does (map show's bytes_key, bytes_value, max_entries, flags), snake_case throughout", async () => {
    const report = JSON.parse(
      (await run('inspect', fixturePath('../packages/maps-btf/src/fixtures/btf_maps.bpfel.o'), '--json'))
        .stdout,
    );
    // The same names and values `bpfkit map show --json` and `bpftool map show --json` print for a
    // loaded map (introspect.kernel.test.ts compares those two on the kernel).
    expect(report.maps.find((m: { name: string }) => m.name === 'flows')).toMatchObject({
      name: 'flows',
      type: 'hash',
      flags: 1, // BPF_F_NO_PREALLOC
      bytes_key: 16,
      bytes_value: 16,
      max_entries: 1024,
    });
    expect(report.programs[0]).toHaveProperty('insn_cnt');
    expect(report.programs[0]).toHaveProperty('expected_attach_type');
    // Every key bpfkit chooses is snake_case; decoded values (initial_value) and the struct
    // member names under struct_ops.programs come from the object's C and are left alone.
    const keys: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (Array.isArray(value)) for (const v of value) walk(v, path);
      else if (value && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          keys.push(`${path}.${key}`);
          const cFields = key === 'initial_value' || (key === 'programs' && path.endsWith('.struct_ops'));
          if (!cFields) walk(v, `${path}.${key}`);
        }
      }
    };
    for (const fixture of ['global_vars.bpfel.o', 'tcp_ca_counter.bpfel.o', 'exec_tracer.bpfel.o']) {
      walk(JSON.parse((await run('inspect', fixturePath(fixture), '--json')).stdout), fixture);
    }
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((k) => !/^[a-z0-9_]+$/.test(k.split('.').pop()!))).toEqual([]);
  });

  it('shows struct_ops maps: the kernel struct, how they register, and the program of each member', async () => {
    const { code, stdout } = await run('inspect', fixturePath('tcp_ca_counter.bpfel.o'), '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).maps.find((m: { name: string }) => m.name === 'bpfkit_reno')).toMatchObject({
      format: 'struct-ops',
      section: '.struct_ops.link',
      type: 'struct_ops',
      value_type: 'struct tcp_congestion_ops',
      struct_ops: {
        type: 'struct tcp_congestion_ops',
        link: true,
        programs: {
          init: 'bpfkit_init',
          ssthresh: 'bpfkit_ssthresh',
          cong_avoid: 'bpfkit_cong_avoid',
          undo_cwnd: 'bpfkit_undo_cwnd',
        },
      },
    });
    const text = (await run('inspect', fixturePath('tcp_ca_counter.bpfel.o'))).stdout;
    expect(text).toContain('bpfkit_reno: struct tcp_congestion_ops, through a BPF link');
    expect(text).toContain('.cong_avoid = bpfkit_cong_avoid');
  });

  it('shows BTF types of map keys and values, and global variables with their initial values', async () => {
    const maps = JSON.parse(
      (await run('inspect', fixturePath('../packages/maps-btf/src/fixtures/btf_maps.bpfel.o'), '--json'))
        .stdout,
    );
    expect(maps.maps.find((m: { name: string }) => m.name === 'flows')).toMatchObject({
      type: 'hash',
      key_type: 'struct flow_key',
      value_type: 'flow_stats_t',
    });
    const data = JSON.parse((await run('inspect', fixturePath('global_vars.bpfel.o'), '--json')).stdout);
    expect(data.variables).toContainEqual({
      name: 'verdict',
      map: '.rodata',
      type: 'const volatile __u32',
      offset: 0,
      size: 4,
      initial_value: 0,
    });
    expect(data.variables).toContainEqual({
      name: 'last_len',
      map: '.data',
      type: '__u32',
      offset: 0,
      size: 4,
      initial_value: 4294967295,
    });
  });

  it('lists CO-RE relocations with their access paths and what they resolve to on a target BTF', async () => {
    const vmlinux = '/sys/kernel/btf/vmlinux';
    const report = JSON.parse(
      (await run('inspect', fixturePath('exec_tracer.bpfel.o'), '--json', '--btf', vmlinux)).stdout,
    );
    const core = report.programs.find((p: { name: string }) => p.name === 'exec_tracepoint').core_relocations;
    expect(core).toContainEqual(
      expect.objectContaining({
        kind: 'FIELD_BYTE_OFFSET',
        access: 'struct task_struct.tgid',
        local: '4',
        target: expect.stringMatching(/^\d+$/),
      }),
    );
  });

  it('prints a human table', async () => {
    const { code, stdout } = await run('inspect', fixturePath('legacy_xdp.bpfel.o'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/drop_blocked_udp\s+xdp\s+xdp/);
    expect(stdout).toMatch(/verdicts\s+legacy\s+percpu_array\s+4\s+8\s+4/);
  });
});

describe('bpfkit disasm', () => {
  it('disassembles big-endian twins exactly like their little-endian originals', async () => {
    // Fixtures whose C has no byte-order-dependent constants (bpf_htons folds differently per order).
    for (const name of ['legacy_len_histogram', 'unsafe_null_deref']) {
      const little = await run('disasm', fixturePath(`${name}.bpfel.o`));
      const big = await run('disasm', fixturePath(`${name}.bpfeb.o`));
      expect(little.code).toBe(0);
      expect(big.stdout).toBe(little.stdout);
      expect(little.stdout).toContain('exit');
    }
  });

  it('shows one program when asked and names the programs when the name is wrong', async () => {
    const one = await run('disasm', fixturePath('legacy_xdp.bpfel.o'), '--prog', 'drop_blocked_udp');
    expect(one.stdout).toContain('drop_blocked_udp (section xdp):');
    expect(one.stdout).not.toContain('udp_dest_port (section');
    const wrong = await run('disasm', fixturePath('legacy_xdp.bpfel.o'), '--prog', 'nope');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('programs: drop_blocked_udp');
  });
});

describe('bad input and usage', () => {
  it('exits 2 with one line and no stack trace', async () => {
    for (const argv of [
      ['frobnicate'],
      ['inspect'],
      ['inspect', '/nonexistent.o'],
      ['load', '--bogus', 'x.o'],
    ]) {
      const { code, stderr } = await run(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(/^bpfkit: /);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('never crashes on truncated or corrupted objects: a typed error and exit 2, or a valid read', async () => {
    const original = readFileSync(fixturePath('legacy_xdp.bpfel.o'));
    const variants: Uint8Array[] = [];
    for (let length = 0; length < original.length; length += length < 256 ? 1 : 97)
      variants.push(original.subarray(0, length));
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    for (let i = 0; i < 300; i++) {
      const copy = Uint8Array.from(original);
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
        copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      }
      variants.push(copy);
    }
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/bpfkit-fuzz-`);
    let rejected = 0;
    for (const [i, bytes] of variants.entries()) {
      const path = `${dir}/v${i}.o`;
      writeFileSync(path, bytes);
      const { code, stderr } = await run('inspect', path, '--json');
      expect([0, 2], `variant ${i}: ${stderr}`).toContain(code);
      if (code === 2) {
        rejected++;
        expect(stderr, `variant ${i}`).toMatch(/^bpfkit: /);
        expect(stderr, `variant ${i}`).not.toMatch(/TypeError|RangeError|\n\s+at /);
      }
    }
    expect(rejected).toBeGreaterThan(variants.length / 4);
  });
});
