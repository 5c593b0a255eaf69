import type { BtfValue } from '@bpfkit/btf';

/** "01 00 00 00": bytes as bpftool prints them. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A decoded value for JSON: bigints become decimal strings (JSON has no 64-bit integers). */
export function jsonValue(value: BtfValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(value)) out[name] = jsonValue(field);
    return out;
  }
  return value;
}

/**
 * A decoded value on one line, as bpftrace prints records: a struct's members as `name=value`
 * separated by spaces (nested structs in braces), arrays in brackets, char arrays as text
 * (quoted only when empty or when spaces or '=' would make the line ambiguous).
 */
export function valueText(value: BtfValue, nested = false): string {
  if (typeof value === 'string') return /^[^\s="]+$/.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => valueText(v, true)).join(', ')}]`;
  if (typeof value === 'object') {
    const fields = Object.entries(value).map(([name, field]) => `${name}=${valueText(field, true)}`);
    return nested ? `{${fields.join(' ')}}` : fields.join(' ');
  }
  return String(value);
}
