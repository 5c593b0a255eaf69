/** flow_key -> FlowKey, __u32 -> U32, XDP_PASS stays readable as XdpPass. */
export function pascalCase(cName: string): string {
  const words = cName.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[0-9]/.test(name) ? `T${name}` : name || 'Anonymous';
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name as TypeScript accepts it: bare when an identifier, else quoted. */
export function propertyName(name: string): string {
  return identifier.test(name) ? name : JSON.stringify(name);
}

/** A string literal type or value. */
export function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
