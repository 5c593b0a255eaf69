import { describe, expect, it } from 'vitest';
import { COMMANDS } from './command-table.js';
import { main } from './main.js';

const fixturePath = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('--help, -h and --version', () => {
  it.each(COMMANDS.map((c) => c.name))(
    'bpfkit %s --help and -h exit 0 with every option and its meaning',
    async (name) => {
      const command = COMMANDS.find((c) => c.name === name)!;
      for (const flag of ['--help', '-h']) {
        const { code, stdout, stderr } = await run(...name.split(' '), flag);
        expect(code).toBe(0);
        expect(stderr).toBe('');
        expect(stdout).toMatch(new RegExp(`^usage: bpfkit ${name}`));
        for (const [option, def] of Object.entries(command.options)) {
          expect(stdout).toMatch(
            new RegExp(`--${option}\\b.*\\s{2}${def.help.slice(0, 12).replace(/[()[\]]/g, '\\$&')}`),
          );
        }
        expect(stdout).toContain('--verbose');
      }
    },
  );

  it('answers --help for the whole CLI and for each command group, and --version', async () => {
    const all = await run('--help');
    expect(all.code).toBe(0);
    for (const command of COMMANDS) expect(all.stdout).toContain(`  ${command.name}`);
    for (const group of ['map', 'prog', 'link', 'gen']) {
      const { code, stdout } = await run(group, '--help');
      expect(code, group).toBe(0);
      expect(stdout).toMatch(new RegExp(`^usage: bpfkit ${group} `));
    }
    const version = await run('--version');
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    // no command at all: the overview, on stderr, as a usage error
    expect((await run()).code).toBe(2);
  });

  it('says which option is wrong in one line, without parseArgs text', async () => {
    const unknown = await run('load', '--bogus', 'x.o');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'bpfkit: unknown option --bogus\n  hint: bpfkit load --help lists its options',
    );
    const missing = await run('load', 'x.o', '--pin-dir');
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('bpfkit: --pin-dir takes a value (DIR)');
    const sub = await run('map', 'frob');
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('unknown command map frob');
  });
});

describe('errors the CLI did not expect', () => {
  const broken = () => {
    throw new TypeError('cannot read properties of undefined');
  };

  it('are internal errors: exit 70, a request to report, the stack only with --verbose', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const code = await main(['load', fixturePath('legacy_xdp.bpfel.o')], io, broken);
    expect(code).toBe(70);
    expect(err.join('\n')).toMatch(/^bpfkit: internal error: TypeError: cannot read properties of undefined/);
    expect(err.join('\n')).toMatch(/please report it/);
    expect(err.join('\n')).not.toMatch(/\n\s+at /);
    err.length = 0;
    expect(await main(['load', fixturePath('legacy_xdp.bpfel.o'), '--verbose'], io, broken)).toBe(70);
    expect(err.join('\n')).toMatch(/\n\s+at /);
  });
});

describe('messages', () => {
  it('load prints its format decisions only with --verbose, also with --json', async () => {
    const quiet = await run('load', fixturePath('legacy_sockfilter.bpfel.o'), '--dry-run', '--json');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(JSON.parse(quiet.stdout).programs[0].name).toBe('count_by_proto');
    const verbose = await run('load', fixturePath('legacy_sockfilter.bpfel.o'), '--dry-run', '--verbose');
    expect(verbose.stderr).toMatch(/legacy format reads maps/);
  });

  it('--format that does not fit the object names the flag that does', async () => {
    const wrong = await run(
      'load',
      fixturePath('legacy_sockfilter.bpfel.o'),
      '--format',
      'libbpf',
      '--dry-run',
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/hint: this object's maps are legacy definitions: use --format legacy/);
    const right = await run(
      'load',
      fixturePath('legacy_sockfilter.bpfel.o'),
      '--format',
      'legacy',
      '--dry-run',
    );
    expect(right.code).toBe(0);
  });
});

describe('bpfkit disasm', () => {
  it('names helpers as bpftool does: call bpf_map_lookup_elem#1', async () => {
    const { code, stdout } = await run(
      'disasm',
      fixturePath('legacy_xdp.bpfel.o'),
      '--prog',
      'drop_blocked_udp',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\s*\d+: call bpf_map_lookup_elem#1$/m);
    expect(stdout).not.toMatch(/call 0x1$/m);
  });
});
