import { type BpfkitErrorOptions, UsageError } from '@bpfkit/core';

/**
 * A filter expression that does not parse. `location.byteOffset` is the 0-based offset of the
 * offending character in the expression, `column` the same position counted from 1, and
 * describe() draws the expression with a caret under it, as compilers do.
 */
export class PfcSyntaxError extends UsageError {
  override name = 'PfcSyntaxError';
  readonly expression: string;
  readonly column: number;

  constructor(
    message: string,
    expression: string,
    offset: number,
    options: Omit<BpfkitErrorOptions, 'location'> = {},
  ) {
    super(message, { ...options, location: { byteOffset: offset, field: 'filter expression' } });
    this.expression = expression;
    this.column = offset + 1;
  }

  override describe(): string {
    const offset = this.location.byteOffset ?? 0;
    const lines = [
      `filter expression, column ${this.column}: ${this.message}`,
      `  ${this.expression}`,
      `  ${' '.repeat(offset)}^`,
    ];
    if (this.hint) lines.push(`  hint: ${this.hint}`);
    return lines.join('\n');
  }
}
