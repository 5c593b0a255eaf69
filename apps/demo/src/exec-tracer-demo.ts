// Part two: a CO-RE exec tracer (tracepoint, raw_tp and tp_btf programs reading task_struct through
// BTF relocations) streaming events from a ring buffer as an rxjs Observable, decoded from the
// object's BTF, while the demo starts a few processes of its own.
import { spawn } from 'node:child_process';
import { decodeValue } from '@bpfkit/btf';
import { ringBufferEvents } from '@bpfkit/kernel-backend';
import { type Loader, setVariable, specBtf } from '@bpfkit/loader';
import { fixture } from './fixtures.js';

interface ExecEvent {
  pid: number;
  ppid: number;
  source: number;
  comm: string;
}

const SOURCES = ['', 'tracepoint', 'raw_tp', 'tp_btf'];
const COMMANDS: [string, string[]][] = [
  ['/bin/true', []],
  ['/bin/echo', ['hello']],
  ['/bin/sleep', ['0.05']],
  ['/bin/uname', ['-r']],
];

/** Returns whether every started process was seen by all three programs with the right parent. */
export async function execTracerDemo(loader: Loader): Promise<boolean> {
  const spec = loader.open(fixture('exec_tracer.bpfel.o'));
  setVariable(spec, 'only_ppid', process.pid); // a .rodata constant: only this demo's children
  using loaded = await loader.load(spec);
  const btf = specBtf(spec)!;
  const [eventType] = btf.findByName('event', 'STRUCT');
  const links = loaded.attachAll();
  console.log(
    `\n[2] CO-RE exec tracer: attached ${links.map((l) => l.kind).join(', ')}; starting ${COMMANDS.length} processes`,
  );

  const events: ExecEvent[] = [];
  const subscription = ringBufferEvents(loaded.map('events').fd).subscribe((record) => {
    const event = decodeValue(btf, eventType!, record) as unknown as ExecEvent;
    events.push(event);
    console.log(
      `    ${SOURCES[event.source]?.padEnd(10)} pid=${event.pid} ppid=${event.ppid} comm=${event.comm}`,
    );
  });
  try {
    const pids: number[] = [];
    for (const [command, args] of COMMANDS) {
      const child = spawn(command, args, { stdio: 'ignore' });
      pids.push(child.pid!);
      await new Promise((resolve) => child.on('exit', resolve));
    }
    for (let waited = 0; events.length < pids.length * 3 && waited < 2000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return pids.every((pid) => {
      const seen = events.filter((e) => e.pid === pid);
      return seen.length === 3 && seen.every((e) => e.ppid === process.pid);
    });
  } finally {
    subscription.unsubscribe();
    for (const link of links) link.close();
  }
}
