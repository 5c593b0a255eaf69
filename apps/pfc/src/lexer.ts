import { PfcSyntaxError } from './syntax-error.js';

export type TokenKind = 'word' | 'and' | 'or' | 'not' | 'lparen' | 'rparen' | 'end';

/** One token with the offset of its first character in the expression. */
export interface Token {
  kind: TokenKind;
  text: string;
  offset: number;
}

// pcap-filter(7) spells the operators both ways: "and"/"&&", "or"/"||", "not"/"!".
const operatorWords: Readonly<Record<string, TokenKind>> = { and: 'and', or: 'or', not: 'not' };
const symbols: ReadonlyArray<readonly [string, TokenKind]> = [
  ['&&', 'and'],
  ['||', 'or'],
  ['!', 'not'],
  ['(', 'lparen'],
  [')', 'rparen'],
];
// Words are what pcap's scanner reads as one unit: keywords, numbers, 10.0.0.1, fe80::1, 1-1024.
const wordCharacter = /[A-Za-z0-9_.:-]/;

/** Splits a filter expression into tokens; the list always ends with an 'end' token. */
export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < expression.length) {
    const char = expression[at]!;
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    const symbol = symbols.find(([text]) => expression.startsWith(text, at));
    if (symbol) {
      tokens.push({ kind: symbol[1], text: symbol[0], offset: at });
      at += symbol[0].length;
      continue;
    }
    if (!wordCharacter.test(char)) {
      throw new PfcSyntaxError(`unexpected character '${char}'`, expression, at, {
        hint: 'a filter is made of words (tcp, host, port 80, 10.0.0.1), parentheses and and/or/not (&&, ||, !)',
      });
    }
    const start = at;
    while (at < expression.length && wordCharacter.test(expression[at]!)) at++;
    const text = expression.slice(start, at);
    tokens.push({ kind: operatorWords[text] ?? 'word', text, offset: start });
  }
  tokens.push({ kind: 'end', text: '', offset: expression.length });
  return tokens;
}
