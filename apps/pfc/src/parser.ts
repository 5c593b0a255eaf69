import { parseIpv4, parseIpv6 } from './addresses.js';
import type { Direction, FilterNode, IpAddress, PortProtocol, ProtocolName } from './ast.js';
import { type Token, tokenize } from './lexer.js';
import { PfcSyntaxError } from './syntax-error.js';

const protocols: ReadonlySet<string> = new Set<ProtocolName>([
  'ip',
  'ip6',
  'tcp',
  'udp',
  'sctp',
  'icmp',
  'icmp6',
]);
const portProtocols: ReadonlySet<string> = new Set<PortProtocol>(['tcp', 'udp', 'sctp']);
const KEYWORDS = 'ip, ip6, tcp, udp, sctp, icmp, icmp6, host, port, portrange, src, dst, and, or, not';

type PrimitiveType = 'host' | 'port' | 'portrange';

/** The qualifiers of the last primitive, which a bare id after an operator reuses (pcap-filter(7)). */
interface Qualifiers {
  protocol: ProtocolName | undefined;
  direction: Direction;
  type: PrimitiveType;
}

/**
 * Parses a pcap-filter(7) expression (the subset in the README) into a FilterNode. As in pcap,
 * `not` binds tightest, and `and` and `or` have equal precedence and associate left to right.
 */
export function parseFilter(expression: string): FilterNode {
  return new Parser(expression).parse();
}

class Parser {
  readonly #expression: string;
  readonly #tokens: Token[];
  #at = 0;
  #last: Qualifiers | undefined;

  constructor(expression: string) {
    this.#expression = expression;
    this.#tokens = tokenize(expression);
  }

  parse(): FilterNode {
    if (this.#peek().kind === 'end') {
      throw this.#error(
        'the filter is empty',
        this.#peek(),
        'e.g. "tcp port 80" or "udp and not host 10.0.0.1"',
      );
    }
    const node = this.#expressionList();
    const rest = this.#peek();
    if (rest.kind !== 'end') {
      throw this.#error(
        rest.kind === 'rparen' ? "unbalanced ')'" : `expected 'and' or 'or' before '${rest.text}'`,
        rest,
      );
    }
    return node;
  }

  // expression := unary (('and' | 'or') unary)*, left-associative, one precedence level.
  #expressionList(): FilterNode {
    let left = this.#unary();
    for (;;) {
      const op = this.#peek();
      if (op.kind !== 'and' && op.kind !== 'or') return left;
      this.#at++;
      const right = this.#unary(op);
      left = { kind: op.kind, left, right };
    }
  }

  // unary := 'not' unary | '(' expression ')' | primitive
  #unary(after?: Token): FilterNode {
    const token = this.#peek();
    if (token.kind === 'not') {
      this.#at++;
      return { kind: 'not', operand: this.#unary(token) };
    }
    if (token.kind === 'lparen') {
      this.#at++;
      const inner = this.#expressionList();
      const close = this.#peek();
      if (close.kind !== 'rparen') {
        throw this.#error(`missing ')' to close the '(' at column ${token.offset + 1}`, close);
      }
      this.#at++;
      return inner;
    }
    if (token.kind === 'word') return this.#primitive();
    const what = token.kind === 'end' ? 'the end of the filter' : `'${token.text}'`;
    const where = after ? ` after '${after.text}'` : '';
    throw this.#error(
      `expected a primitive${where}, found ${what}`,
      token,
      'e.g. tcp, ip6, host 10.0.0.1, src port 53, portrange 1-1023, not ..., ( ... )',
    );
  }

  // primitive := [protocol] [direction] (host ADDR | port N | portrange N-M) | protocol | ADDR | bare id
  #primitive(): FilterNode {
    const first = this.#peek();
    let protocol: ProtocolName | undefined;
    if (protocols.has(first.text)) {
      protocol = first.text as ProtocolName;
      this.#at++;
      if (!this.#startsQualifiedPrimitive()) return { kind: 'protocol', protocol };
    }
    const directionToken = this.#peek();
    const direction = this.#direction();
    const typeToken = this.#peek();
    let type: PrimitiveType | undefined;
    if (typeToken.kind === 'word' && ['host', 'port', 'portrange'].includes(typeToken.text)) {
      type = typeToken.text as PrimitiveType;
      this.#at++;
    }
    if (!type && !direction && !protocol) return this.#bareId();
    const id = this.#peek();
    if (id.kind !== 'word') {
      const after = type ? typeToken : directionToken;
      throw this.#error(
        `expected ${type === 'host' || !type ? 'an address' : type === 'port' ? 'a port number' : 'a range N-M'} after '${after.text}'`,
        id,
      );
    }
    // "src 10.0.0.1" means "src host 10.0.0.1", as in pcap.
    const resolved = type ?? (this.#looksLikeAddress(id.text) ? 'host' : undefined);
    if (!resolved) {
      throw this.#error(`expected host, port or portrange after '${directionToken.text}'`, id);
    }
    this.#last = { protocol, direction: direction ?? 'src or dst', type: resolved };
    return this.#qualified(this.#last, id, first);
  }

  /** After a protocol word: does a direction, a type or an address follow (so it qualifies them)? */
  #startsQualifiedPrimitive(): boolean {
    const next = this.#peek();
    return next.kind === 'word' && ['src', 'dst', 'host', 'port', 'portrange'].includes(next.text);
  }

  // direction := 'src' | 'dst' | 'src or dst' | 'src and dst'
  #direction(): Direction | undefined {
    const token = this.#peek();
    if (token.kind !== 'word' || (token.text !== 'src' && token.text !== 'dst')) return undefined;
    this.#at++;
    const op = this.#peek();
    const other = this.#tokens[this.#at + 1];
    if (
      token.text === 'src' &&
      (op.kind === 'or' || op.kind === 'and') &&
      other?.kind === 'word' &&
      other.text === 'dst'
    ) {
      this.#at += 2;
      return op.kind === 'or' ? 'src or dst' : 'src and dst';
    }
    return token.text;
  }

  /** A word standing alone: an address (host), or an id that reuses the last qualifiers. */
  #bareId(): FilterNode {
    const id = this.#peek();
    const isAddress = this.#looksLikeAddress(id.text);
    if (this.#last && (this.#last.type === 'host' ? isAddress : /^\d/.test(id.text))) {
      return this.#qualified(this.#last, id, id);
    }
    if (isAddress) {
      this.#last = { protocol: undefined, direction: 'src or dst', type: 'host' };
      return this.#qualified(this.#last, id, id);
    }
    if (/^\d/.test(id.text)) {
      throw this.#error(`'${id.text}' needs a qualifier`, id, `write "port ${id.text}" or "host ${id.text}"`);
    }
    throw this.#error(`unknown word '${id.text}'`, id, `known words: ${KEYWORDS}`);
  }

  #qualified(q: Qualifiers, id: Token, first: Token): FilterNode {
    this.#at++;
    if (q.type === 'host') {
      const address = this.#address(id);
      if (q.protocol && q.protocol !== (address.family === 4 ? 'ip' : 'ip6')) {
        throw this.#error(
          `'${q.protocol} host' cannot match the IPv${address.family} address ${address.text}`,
          first,
          'host takes the qualifiers ip (IPv4 addresses) and ip6 (IPv6 addresses)',
        );
      }
      return { kind: 'host', direction: q.direction, address };
    }
    if (q.protocol && !portProtocols.has(q.protocol)) {
      throw this.#error(`${q.protocol} has no ports`, first, 'ports go with tcp, udp or sctp');
    }
    const [low, high] = q.type === 'port' ? this.#port(id) : this.#portRange(id);
    const node: FilterNode = { kind: 'port', direction: q.direction, low, high };
    if (q.protocol) node.protocol = q.protocol as PortProtocol;
    return node;
  }

  #looksLikeAddress(text: string): boolean {
    return parseIpv4(text) !== undefined || parseIpv6(text) !== undefined;
  }

  #address(id: Token): IpAddress {
    const v4 = parseIpv4(id.text);
    if (v4) return { family: 4, bytes: v4, text: id.text };
    const v6 = parseIpv6(id.text);
    if (v6) return { family: 6, bytes: v6, text: id.text };
    throw this.#error(
      `'${id.text}' is not an IPv4 or IPv6 address`,
      id,
      'host names are not resolved; write 10.0.0.1 or fe80::1',
    );
  }

  #port(id: Token, text = id.text, offset = id.offset): [number, number] {
    if (!/^\d+$/.test(text)) {
      throw this.#error(
        `'${text}' is not a port number`,
        { ...id, offset },
        'service names are not looked up; write e.g. 53',
      );
    }
    const port = Number(text);
    if (port > 0xffff) {
      throw this.#error(`port ${text} is out of range 0..65535`, { ...id, offset });
    }
    return [port, port];
  }

  #portRange(id: Token): [number, number] {
    const match = /^([^-]*)-(.*)$/.exec(id.text);
    if (!match) throw this.#error(`'${id.text}' is not a port range N-M`, id, 'e.g. portrange 1024-65535');
    const [low] = this.#port(id, match[1]!, id.offset);
    const [high] = this.#port(id, match[2]!, id.offset + match[1]!.length + 1);
    if (low > high) throw this.#error(`port range ${id.text} runs backwards`, id, `write ${high}-${low}`);
    return [low, high];
  }

  #peek(): Token {
    return this.#tokens[this.#at]!;
  }

  #error(message: string, token: Pick<Token, 'offset'>, hint?: string): PfcSyntaxError {
    return new PfcSyntaxError(message, this.#expression, token.offset, hint === undefined ? {} : { hint });
  }
}
