/** One value of a kernel config line, typed the way libbpf reads it (bpf_object__process_kconfig_line). */
export type KconfigValue =
  | { kind: 'tristate'; value: 'y' | 'n' | 'm' }
  /** an integer: decimal, 0x hex or 0 octal (strtoull base 0); negatives wrap to 64 bits as in C */
  | { kind: 'number'; value: bigint }
  /** a quoted string, quotes removed */
  | { kind: 'string'; value: string }
  /** text that is none of the above; an error only if an extern asks for it */
  | { kind: 'invalid'; text: string };

/** libbpf's parse_u64 (strtoull with base 0), requiring the whole text to be the number. */
function parseNumber(text: string): bigint | undefined {
  const match = /^([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const digits = match[2]!;
  let value: bigint;
  if (/^0[xX]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) value = BigInt(`0o${digits.slice(1)}`);
  else value = BigInt(digits);
  return BigInt.asUintN(64, match[1] === '-' ? -value : value);
}

/** Types the text after "CONFIG_X=" as libbpf does: y/n/m, a quoted string, or an integer. */
export function parseKconfigValue(text: string): KconfigValue {
  if (text === 'y' || text === 'n' || text === 'm') return { kind: 'tristate', value: text };
  if (text.startsWith('"')) {
    if (text.length < 2 || !text.endsWith('"')) return { kind: 'invalid', text };
    return { kind: 'string', value: text.slice(1, -1).replace(/\\(.)/g, '$1') };
  }
  const number = parseNumber(text);
  return number === undefined ? { kind: 'invalid', text } : { kind: 'number', value: number };
}

/**
 * Parses a kernel .config (the text of /proc/config.gz, /boot/config-*, or libbpf's `kconfig`
 * open option): every "CONFIG_NAME=value" line; comments ("# CONFIG_X is not set") and blank lines
 * are skipped, as libbpf does (an option that is not set is absent, and reads as n/0 when weak).
 */
export function parseKconfig(text: string): Map<string, KconfigValue> {
  const values = new Map<string, KconfigValue>();
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!line.startsWith('CONFIG_')) continue;
    const eq = line.indexOf('=');
    if (eq < 0 || eq === line.length - 1) continue;
    values.set(line.slice(0, eq), parseKconfigValue(line.slice(eq + 1)));
  }
  return values;
}
