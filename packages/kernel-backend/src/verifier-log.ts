// Reading the kernel's verifier and BTF logs.

/** The line that says why: the last one that is not the closing statistics. */
export function lastLogLine(log: string): string {
  const lines = log.split('\n').filter((line) => line.trim() !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!/^(processed \d+ insns|verification time|stack depth|-- END PROG LOAD LOG --)/.test(line))
      return line;
  }
  return '';
}
