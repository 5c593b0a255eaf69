/** Where a command writes: one call per line, stdout and stderr. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}
