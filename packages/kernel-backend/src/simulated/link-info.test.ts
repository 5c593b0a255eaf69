import { AttachType, KernelError, ProgramType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { returnImmediate } from '../testing/kernel-gate.test-helpers.js';
import { SimulatedKernel } from './simulated-kernel.js';

const program = (type: number, attach = 0) => ({
  type,
  instructions: returnImmediate(0),
  license: 'GPL',
  name: 'p',
  expectedAttachType: attach,
});

describe('simulated kernel: links by id', () => {
  it('walks links by id and answers their info: type, program, target', () => {
    const sim = new SimulatedKernel();
    using xdp = sim.loadProgram(program(ProgramType.XDP, AttachType.XDP));
    using rawTp = sim.loadProgram(program(ProgramType.RAW_TRACEPOINT));
    using xdpLink = sim.createLink({ programFd: xdp.value, attachType: AttachType.XDP, targetIfindex: 3 });
    using tpLink = sim.openRawTracepoint(rawTp, 'sys_enter');
    const ids: number[] = [];
    for (let id = sim.nextId('link', 0); id !== undefined; id = sim.nextId('link', id)) ids.push(id);
    expect(ids).toHaveLength(2);
    const infos = ids.map((id) => {
      using fd = sim.linkFdById(id);
      return sim.linkInfo(fd);
    });
    expect(infos[0]).toEqual({
      type: 6, // BPF_LINK_TYPE_XDP
      id: ids[0],
      programId: sim.programInfo(xdp).id,
      attachType: AttachType.XDP,
      ifindex: 3,
    });
    expect(infos[1]).toEqual({
      type: 1, // BPF_LINK_TYPE_RAW_TRACEPOINT
      id: ids[1],
      programId: sim.programInfo(rawTp).id,
      tracepoint: 'sys_enter',
    });
    expect(sim.linkInfo(xdpLink).id).toBe(ids[0]);
    expect(sim.linkInfo(tpLink).id).toBe(ids[1]);
  });

  it('answers ENOENT for an id no link has', () => {
    const sim = new SimulatedKernel();
    expect(() => sim.linkFdById(99)).toThrow(KernelError);
  });

  it('reports the license and the entry function of a program', () => {
    const sim = new SimulatedKernel();
    const funcInfo = new Uint8Array(8);
    new DataView(funcInfo.buffer).setUint32(4, 7, true);
    using fd = sim.loadProgram({ ...program(ProgramType.SOCKET_FILTER), funcInfo, funcInfoRecSize: 8 });
    expect(sim.programInfo(fd)).toMatchObject({ gplCompatible: true, funcTypeId: 7 });
    using proprietary = sim.loadProgram({ ...program(ProgramType.SOCKET_FILTER), license: 'Proprietary' });
    expect(sim.programInfo(proprietary)).toMatchObject({ gplCompatible: false, funcTypeId: 0 });
  });
});
