import { UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { formatFilter } from './ast.js';
import { parseFilter } from './parser.js';
import { PfcSyntaxError } from './syntax-error.js';

const shape = (expression: string) => formatFilter(parseFilter(expression));

function syntaxError(expression: string): PfcSyntaxError {
  try {
    parseFilter(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(PfcSyntaxError);
    return error as PfcSyntaxError;
  }
  throw new Error(`"${expression}" parsed`);
}

describe('parseFilter', () => {
  it('gives and/or one precedence, left to right, as pcap-filter(7) says', () => {
    expect(shape('tcp or udp and host 10.0.0.1')).toBe('((tcp or udp) and src or dst host 10.0.0.1)');
    expect(shape('tcp and udp or icmp')).toBe('((tcp and udp) or icmp)');
    expect(shape('ip or ip6 or icmp')).toBe('((ip or ip6) or icmp)');
  });

  it('binds not tightest, and parentheses override', () => {
    expect(shape('not tcp and udp')).toBe('(not tcp and udp)');
    expect(shape('not (tcp and udp)')).toBe('not (tcp and udp)');
    expect(shape('! tcp || ! ! udp')).toBe('(not tcp or not not udp)');
    expect(shape('tcp && (udp || icmp)')).toBe('(tcp and (udp or icmp))');
  });

  it('reads qualifiers: protocol, direction, type', () => {
    expect(shape('src host 10.0.0.1')).toBe('src host 10.0.0.1');
    expect(shape('dst 10.0.0.2')).toBe('dst host 10.0.0.2');
    expect(shape('10.0.0.3')).toBe('src or dst host 10.0.0.3');
    expect(shape('ip6 host fe80::1')).toBe('src or dst host fe80::1');
    expect(shape('tcp dst port 80')).toBe('tcp dst port 80');
    expect(shape('udp portrange 1000-2000')).toBe('udp src or dst portrange 1000-2000');
    expect(shape('src or dst port 53')).toBe('src or dst port 53');
    expect(shape('src and dst port 53')).toBe('src and dst port 53');
    expect(shape('port 0 or port 65535')).toBe('(src or dst port 0 or src or dst port 65535)');
  });

  it('reuses the last qualifiers for a bare id after an operator', () => {
    expect(shape('tcp dst port 80 or 443')).toBe('(tcp dst port 80 or tcp dst port 443)');
    expect(shape('not host 10.0.0.1 and 10.0.0.2')).toBe(
      '(not src or dst host 10.0.0.1 and src or dst host 10.0.0.2)',
    );
  });

  it('keeps addresses as bytes', () => {
    const node = parseFilter('host 2001:db8::ff00:42');
    expect(node).toMatchObject({ kind: 'host', address: { family: 6 } });
    const bytes = node.kind === 'host' ? [...node.address.bytes] : [];
    expect(bytes).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42]);
  });
});

describe('syntax errors point at the column', () => {
  it.each([
    ['tcp and', 7, "expected a primitive after 'and', found the end of the filter"],
    ['tcp andd udp', 4, "expected 'and' or 'or' before 'andd'"],
    ['tcpp', 0, "unknown word 'tcpp'"],
    ['port 70000', 5, 'port 70000 is out of range 0..65535'],
    ['portrange 10-70000', 13, 'port 70000 is out of range'],
    ['portrange 20-10', 10, 'runs backwards'],
    ['host 300.1.1.1', 5, "'300.1.1.1' is not an IPv4 or IPv6 address"],
    ['(tcp or udp', 11, "missing ')' to close the '(' at column 1"],
    ['tcp)', 3, "unbalanced ')'"],
    ['tcp = 1', 4, "unexpected character '='"],
    ['icmp port 1', 0, 'icmp has no ports'],
    ['ip6 host 10.0.0.1', 0, "'ip6 host' cannot match the IPv4 address"],
    ['src tcp', 4, "expected host, port or portrange after 'src'"],
    ['port', 4, "expected a port number after 'port'"],
    ['80', 0, "'80' needs a qualifier"],
    ['', 0, 'the filter is empty'],
  ])('%j at offset %i', (expression, offset, message) => {
    const error = syntaxError(expression);
    expect(error.message).toContain(message);
    expect(error.location.byteOffset).toBe(offset);
    expect(error.column).toBe(offset + 1);
  });

  it('is a UsageError from core, recognised by name as well', () => {
    const error = syntaxError('udp and (');
    expect(error).toBeInstanceOf(UsageError);
    expect(error.code).toBe('USAGE');
    expect(error.name).toBe('PfcSyntaxError');
  });

  it('draws the expression with a caret under the offending column', () => {
    expect(syntaxError('udp and port 99999').describe()).toBe(
      [
        'filter expression, column 14: port 99999 is out of range 0..65535',
        '  udp and port 99999',
        '               ^',
      ].join('\n'),
    );
    expect(syntaxError('tcpp').describe()).toContain('hint: known words: ip, ip6, tcp');
  });
});
