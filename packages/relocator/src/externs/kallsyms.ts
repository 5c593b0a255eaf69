/**
 * /proc/kallsyms as name → address, for typeless `__ksym` externs (libbpf's
 * bpf_object__read_kallsyms_file). Lines are "address type name [module]"; the first address of a
 * name is kept. Names with a ".llvm.<hash>" suffix (LTO kernels) are also filed under the plain name.
 */
export function parseKallsyms(text: string): Map<string, bigint> {
  const symbols = new Map<string, bigint>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const first = line.indexOf(' ');
    const second = line.indexOf(' ', first + 1);
    if (first < 0 || second < 0) continue;
    const third = line.indexOf('\t', second + 1);
    const name = line.slice(second + 1, third < 0 ? undefined : third).trim();
    if (name === '') continue;
    const address = BigInt(`0x${line.slice(0, first)}`);
    if (!symbols.has(name)) symbols.set(name, address);
    const llvm = name.indexOf('.llvm.');
    if (llvm > 0 && !symbols.has(name.slice(0, llvm))) symbols.set(name.slice(0, llvm), address);
  }
  return symbols;
}
