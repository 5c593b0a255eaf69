// enum bpf_cmd from include/uapi/linux/bpf.h (ABI: append only), with the kernel release that
// introduced each command, so EINVAL on an older kernel can be reported as "not supported".

export const BpfCommand = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5,
  OBJ_PIN: 6,
  OBJ_GET: 7,
  PROG_ATTACH: 8,
  PROG_DETACH: 9,
  PROG_TEST_RUN: 10,
  PROG_GET_NEXT_ID: 11,
  MAP_GET_NEXT_ID: 12,
  PROG_GET_FD_BY_ID: 13,
  MAP_GET_FD_BY_ID: 14,
  OBJ_GET_INFO_BY_FD: 15,
  PROG_QUERY: 16,
  RAW_TRACEPOINT_OPEN: 17,
  BTF_LOAD: 18,
  BTF_GET_FD_BY_ID: 19,
  TASK_FD_QUERY: 20,
  MAP_LOOKUP_AND_DELETE_ELEM: 21,
  MAP_FREEZE: 22,
  BTF_GET_NEXT_ID: 23,
  MAP_LOOKUP_BATCH: 24,
  MAP_LOOKUP_AND_DELETE_BATCH: 25,
  MAP_UPDATE_BATCH: 26,
  MAP_DELETE_BATCH: 27,
  LINK_CREATE: 28,
  LINK_UPDATE: 29,
  LINK_GET_FD_BY_ID: 30,
  LINK_GET_NEXT_ID: 31,
  ENABLE_STATS: 32,
  ITER_CREATE: 33,
  LINK_DETACH: 34,
  PROG_BIND_MAP: 35,
  TOKEN_CREATE: 36,
} as const;
export type BpfCommandName = keyof typeof BpfCommand;

const commandNames = new Map<number, string>(Object.entries(BpfCommand).map(([k, v]) => [v, `BPF_${k}`]));

/** "BPF_MAP_CREATE" */
export function commandName(cmd: number): string {
  return commandNames.get(cmd) ?? `bpf command ${cmd}`;
}

/** [major, minor] of the release that added a command; commands of 4.x are treated as always there. */
const introducedIn: Partial<Record<number, readonly [number, number]>> = {
  [BpfCommand.PROG_QUERY]: [4, 15],
  [BpfCommand.RAW_TRACEPOINT_OPEN]: [4, 17],
  [BpfCommand.BTF_LOAD]: [4, 18],
  [BpfCommand.BTF_GET_FD_BY_ID]: [4, 18],
  [BpfCommand.TASK_FD_QUERY]: [4, 18],
  [BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM]: [4, 20],
  [BpfCommand.MAP_FREEZE]: [5, 2],
  [BpfCommand.BTF_GET_NEXT_ID]: [5, 4],
  [BpfCommand.MAP_LOOKUP_BATCH]: [5, 6],
  [BpfCommand.MAP_LOOKUP_AND_DELETE_BATCH]: [5, 6],
  [BpfCommand.MAP_UPDATE_BATCH]: [5, 6],
  [BpfCommand.MAP_DELETE_BATCH]: [5, 6],
  [BpfCommand.LINK_CREATE]: [5, 7],
  [BpfCommand.LINK_UPDATE]: [5, 7],
  [BpfCommand.LINK_GET_FD_BY_ID]: [5, 8],
  [BpfCommand.LINK_GET_NEXT_ID]: [5, 8],
  [BpfCommand.ENABLE_STATS]: [5, 8],
  [BpfCommand.ITER_CREATE]: [5, 8],
  [BpfCommand.LINK_DETACH]: [5, 9],
  [BpfCommand.PROG_BIND_MAP]: [5, 10],
  [BpfCommand.TOKEN_CREATE]: [6, 9],
};

/** The release that added `cmd` ("5.6"), or undefined for commands older than BTF. */
export function commandIntroducedIn(cmd: number): readonly [number, number] | undefined {
  return introducedIn[cmd];
}
