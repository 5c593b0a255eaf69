import { type BuiltProgram, type JumpCondition, ProgramBuilder, R0, R1, R2, R9, R10 } from '@bpfkit/asm';
import type { Condition, FieldTest } from './conditions.js';
import type { PacketAccess } from './packet-access.js';

/** Slots of the counters map: packets let through and packets dropped (u64 each). */
export const CounterSlot = { passed: 0, dropped: 1 } as const;
export const COUNTERS_MAP = 'pfc_counters';
export const COUNT_FUNCTION = 'pfc_count';

const jumpIf: Readonly<Record<FieldTest['op'], JumpCondition>> = { eq: 'jeq', ge: 'jge', le: 'jle' };
const jumpUnless: Readonly<Record<FieldTest['op'], JumpCondition>> = { eq: 'jne', ge: 'jlt', le: 'jgt' };

/**
 * The filter program: evaluate the condition with short-circuit jumps (a packet too short for a
 * load is dropped, as a classic BPF filter returns 0 on an out-of-bounds load), count the verdict
 * through the pfc_count subprogram, return the target's pass or drop value.
 */
export function buildFilterProgram(condition: Condition, access: PacketAccess): BuiltProgram {
  const b = new ProgramBuilder();
  access.prologue(b);
  new ConditionEmitter(b, access).emit(condition, 'pass', 'drop', 'pass');
  b.label('pass').mov64Imm(R9, CounterSlot.passed).goto('count');
  b.label('drop').mov64Imm(R9, CounterSlot.dropped);
  b.label('count')
    .mov64Reg(R1, R9)
    .callFunction(COUNT_FUNCTION)
    .jump('jne', R9, CounterSlot.passed, 'return_drop');
  access.returnValue(b, 'pass');
  b.exit().label('return_drop');
  access.returnValue(b, 'drop');
  return b.exit().build();
}

/** pfc_count(slot): counters[slot] += 1, atomically (all CPUs share one ARRAY value). */
export function buildCountFunction(): BuiltProgram {
  return new ProgramBuilder()
    .store('u32', R10, -4, R1)
    .mov64Reg(R2, R10)
    .alu64Imm('add', R2, -4)
    .ldMapFd(R1, COUNTERS_MAP)
    .call('map_lookup_elem')
    .jump('jeq', R0, 0, 'out')
    .mov64Imm(R1, 1)
    .atomic('add', 'u64', R0, 0, R1)
    .label('out')
    .mov64Imm(R0, 0)
    .exit()
    .build();
}

class ConditionEmitter {
  #labels = 0;
  /** labels some jump goes to: code there can be reached by more than one path */
  readonly #jumpTargets = new Set<string>();
  /** which field r0 holds (as compared, after its mask), while code runs straight through */
  #inR0: string | undefined;

  constructor(
    private readonly b: ProgramBuilder,
    private readonly access: PacketAccess,
  ) {}

  /** Jumps to `whenTrue` or `whenFalse`; `next` is the label placed right after, reached by falling through. */
  emit(condition: Condition, whenTrue: string, whenFalse: string, next: string): void {
    switch (condition.kind) {
      case 'not':
        this.emit(condition.operand, whenFalse, whenTrue, next);
        break;
      case 'all':
      case 'any':
        this.emitList(condition.kind, condition.items, whenTrue, whenFalse, next);
        break;
      case 'ethertype':
        this.load('ethertype', () => this.access.loadEtherType(this.b, 'drop'));
        this.branch('eq', condition.value, whenTrue, whenFalse, next);
        break;
      case 'field': {
        const { base, offset, size, mask } = condition;
        this.load(`${base}+${offset}/${size}&${mask ?? 'all'}`, () => {
          this.access.loadField(this.b, condition, 'drop');
          if (mask !== undefined) this.b.alu64Imm('and', R0, mask);
        });
        this.branch(condition.op, condition.value, whenTrue, whenFalse, next);
        break;
      }
    }
  }

  emitList(kind: 'all' | 'any', items: Condition[], whenTrue: string, whenFalse: string, next: string): void {
    for (const [i, item] of items.entries()) {
      if (i === items.length - 1) {
        this.emit(item, whenTrue, whenFalse, next);
        break;
      }
      const following = `L${this.#labels++}`;
      // all: a false item decides; any: a true item decides; otherwise go on to the next item.
      if (kind === 'all') this.emit(item, following, whenFalse, following);
      else this.emit(item, whenTrue, following, following);
      this.b.label(following);
      // Reached only by falling through, r0 still holds what it held; a jump here may bring anything.
      if (this.#jumpTargets.has(following)) this.#inR0 = undefined;
    }
  }

  /** Loads a field into r0 unless the straight-line code before already did (`tcp or udp` reads one byte). */
  load(key: string, emitLoad: () => void): void {
    if (this.#inR0 === key) return;
    emitLoad();
    this.#inR0 = key;
  }

  // JMP32 compares the low 32 bits as unsigned, so immediates up to 0xffffffff (IPv4 addresses) work.
  branch(op: FieldTest['op'], value: number, whenTrue: string, whenFalse: string, next: string): void {
    if (next === whenTrue) this.jump(jumpUnless[op], value, whenFalse);
    else if (next === whenFalse) this.jump(jumpIf[op], value, whenTrue);
    else {
      this.jump(jumpIf[op], value, whenTrue);
      this.#jumpTargets.add(whenFalse);
      this.b.goto(whenFalse);
    }
  }

  jump(condition: JumpCondition, value: number, label: string): void {
    this.#jumpTargets.add(label);
    this.b.jump32(condition, R0, value, label);
  }
}
