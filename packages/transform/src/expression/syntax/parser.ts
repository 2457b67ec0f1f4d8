// A top-down operator precedence (Pratt) parser for JSONata 2.x, following the reference's
// grammar and error codes token for token so that positions and codes agree.
import { ExpressionError } from '../contract.js';
import { parseSignature } from '../functions/index.js';
import { syntaxError } from '../messages.js';
import type { Node } from './ast.js';
import { OPERATORS, tokenizer, type Lexer, type Token } from './tokenizer.js';
import { processAst } from './post-process.js';

interface Symbol {
  id: string;
  lbp: number;
  nud?: (self: Node) => Node;
  led?: (self: Node, left: Node) => Node;
}

/** Parses `source` into the post-processed syntax tree; throws ExpressionError S0xxx. */
export function parse(source: string): Node {
  const symbols = new Map<string, Symbol>();
  const lexer: Lexer = tokenizer(source);
  let node: Node;

  const symbol = (id: string, bp = 0): Symbol => {
    let s = symbols.get(id);
    if (s) {
      if (bp >= s.lbp) s.lbp = bp;
    } else {
      s = { id, lbp: bp };
      symbols.set(id, s);
    }
    return s;
  };
  const symbolOf = (n: Node): Symbol => symbols.get(n.id ?? '') as Symbol;
  const lbp = (n: Node): number => symbolOf(n).lbp;
  // the current token, read through a function because the closures below move it along
  const peek = (): string | undefined => node.id;

  const advance = (id?: string, infix?: boolean): Node => {
    if (id && node.id !== id) {
      const code = node.id === '(end)' ? 'S0203' : 'S0202';
      throw syntaxError(code, { position: node.position, token: tokenText(node), value: id });
    }
    const token: Token | null = lexer(infix);
    if (token === null) {
      node = { id: '(end)', type: '(end)', value: '(end)', position: source.length };
      return node;
    }
    let id2: string;
    switch (token.type) {
      case 'name':
      case 'variable':
        id2 = '(name)';
        break;
      case 'operator':
        id2 = String(token.value);
        if (!symbols.has(id2)) throw syntaxError('S0204', { position: token.position, token: id2 });
        break;
      case 'regex':
        id2 = '(regex)';
        break;
      default:
        id2 = '(literal)';
    }
    node = { id: id2, type: token.type, value: token.value, position: token.position };
    return node;
  };

  const expression = (rbp: number): Node => {
    let t = node;
    advance(undefined, true);
    let left = nud(t);
    while (rbp < lbp(node)) {
      t = node;
      advance();
      left = led(t, left);
    }
    return left;
  };

  const nud = (t: Node): Node => {
    const s = symbolOf(t);
    if (s.nud) return s.nud(t);
    throw syntaxError('S0211', { position: t.position, token: tokenText(t) });
  };
  const led = (t: Node, left: Node): Node => {
    const s = symbolOf(t);
    if (s.led) return s.led(t, left);
    throw syntaxError('S0201', { position: t.position, token: tokenText(t) });
  };

  const terminal = (id: string): void => {
    symbol(id).nud = (self) => self;
  };
  const infix = (id: string, bp?: number, ledFn?: (self: Node, left: Node) => Node): void => {
    const power = bp ?? OPERATORS[id] ?? 0;
    symbol(id, power).led =
      ledFn ??
      ((self, left) => {
        self.lhs = left;
        self.rhs = expression(power);
        self.type = 'binary';
        return self;
      });
  };
  const prefix = (id: string, nudFn?: (self: Node) => Node): void => {
    symbol(id).nud =
      nudFn ??
      ((self) => {
        self.expression = expression(70);
        self.type = 'unary';
        return self;
      });
  };

  for (const id of ['(end)', '(name)', '(literal)', '(regex)']) terminal(id);
  for (const id of [':', ';', ',', ')', ']', '}', '..']) symbol(id);
  for (const id of [
    '.',
    '+',
    '-',
    '*',
    '/',
    '%',
    '=',
    '<',
    '>',
    '!=',
    '<=',
    '>=',
    '&',
    'and',
    'or',
    'in',
    '~>',
  ])
    infix(id);
  for (const id of ['and', 'or', 'in']) terminal(id);
  prefix('-');

  infix('??', OPERATORS['??'], (self, left) => {
    self.type = 'condition';
    self.condition = {
      type: 'function',
      value: '(',
      position: self.position,
      procedure: { type: 'variable', value: 'exists', position: self.position },
      arguments: [structuredClone(left)],
    };
    self.then = left;
    self.else = expression(0);
    return self;
  });
  prefix('*', (self) => ((self.type = 'wildcard'), self));
  prefix('**', (self) => ((self.type = 'descendant'), self));
  prefix('%', (self) => ((self.type = 'parent'), self));

  infix('(', OPERATORS['('], (self, left) => {
    self.procedure = left;
    self.type = 'function';
    const args: Node[] = [];
    self.arguments = args;
    if (node.id !== ')') {
      for (;;) {
        if (node.type === 'operator' && node.id === '?') {
          self.type = 'partial';
          args.push(node);
          advance('?');
        } else {
          args.push(expression(0));
        }
        if (node.id !== ',') break;
        advance(',');
      }
    }
    advance(')', true);
    if (left.type === 'name' && (left.value === 'function' || left.value === '\u03BB')) {
      args.forEach((arg, index) => {
        if (arg.type !== 'variable') {
          throw syntaxError('S0208', {
            position: arg.position,
            token: tokenText(arg),
            value: index + 1,
          });
        }
      });
      self.type = 'lambda';
      if (node.id === '<') {
        const signaturePosition = node.position;
        let depth = 1;
        let signature = '<';
        while (depth > 0 && peek() !== '{' && peek() !== '(end)') {
          const tok = advance();
          if (tok.id === '>') depth--;
          else if (tok.id === '<') depth++;
          signature += tokenText(tok);
        }
        advance('>');
        try {
          parseSignature(signature);
        } catch (error) {
          if (!ExpressionError.is(error)) throw error;
          const offset = error.position ?? 0;
          throw new ExpressionError(error.code, error.message, {
            ...error.details,
            position: signaturePosition + offset,
          });
        }
        self.signature = signature;
      }
      advance('{');
      self.body = expression(0);
      advance('}');
    }
    return self;
  });

  prefix('(', (self) => {
    const expressions: Node[] = [];
    while (node.id !== ')') {
      expressions.push(expression(0));
      if (node.id !== ';') break;
      advance(';');
    }
    advance(')', true);
    self.type = 'block';
    self.expressions = expressions;
    return self;
  });

  prefix('[', (self) => {
    const items: Node[] = [];
    if (node.id !== ']') {
      for (;;) {
        let item = expression(0);
        if (node.id === '..') {
          const range: Node = { type: 'binary', value: '..', position: node.position, lhs: item };
          advance('..');
          range.rhs = expression(0);
          item = range;
        }
        items.push(item);
        if (node.id !== ',') break;
        advance(',');
      }
    }
    advance(']', true);
    self.expressions = items;
    self.type = 'unary';
    return self;
  });

  infix('[', OPERATORS['['], (self, left) => {
    if (node.id === ']') {
      // `[]` keeps singleton arrays in the output
      let step: Node | undefined = left;
      while (step && step.type === 'binary' && step.value === '[') step = step.lhs;
      if (step) step.keepArray = true;
      advance(']');
      return left;
    }
    self.lhs = left;
    self.rhs = expression(OPERATORS[']'] ?? 0);
    self.type = 'binary';
    advance(']', true);
    return self;
  });

  infix('^', OPERATORS['^'], (self, left) => {
    advance('(');
    const terms: NonNullable<Node['terms']> = [];
    for (;;) {
      let descending = false;
      if (node.id === '<') advance('<');
      else if (node.id === '>') {
        descending = true;
        advance('>');
      }
      terms.push({ descending, expression: expression(0) });
      if (node.id !== ',') break;
      advance(',');
    }
    advance(')');
    self.lhs = left;
    self.terms = terms;
    self.type = 'binary';
    return self;
  });

  const objectParser = (self: Node, left?: Node): Node => {
    const pairs: Array<[Node, Node]> = [];
    if (node.id !== '}') {
      for (;;) {
        const name = expression(0);
        advance(':');
        const value = expression(0);
        pairs.push([name, value]);
        if (node.id !== ',') break;
        advance(',');
      }
    }
    advance('}', true);
    self.pairs = pairs;
    if (left === undefined) {
      self.type = 'unary';
    } else {
      self.lhs = left;
      self.type = 'binary';
    }
    return self;
  };
  prefix('{', (self) => objectParser(self));
  infix('{', OPERATORS['{'], objectParser);

  symbol(':=', OPERATORS[':=']).led = (self, left) => {
    if (left.type !== 'variable')
      throw syntaxError('S0212', { position: left.position, token: tokenText(left) });
    self.lhs = left;
    self.rhs = expression((OPERATORS[':='] ?? 10) - 1); // right associative
    self.type = 'binary';
    return self;
  };
  for (const op of ['@', '#']) {
    infix(op, OPERATORS[op], (self, left) => {
      self.lhs = left;
      self.rhs = expression(OPERATORS[op] ?? 80);
      if (self.rhs.type !== 'variable')
        throw syntaxError('S0214', { position: self.rhs.position, token: op });
      self.type = 'binary';
      return self;
    });
  }
  infix('?', OPERATORS['?'], (self, left) => {
    self.type = 'condition';
    self.condition = left;
    self.then = expression(0);
    if (node.id === ':') {
      advance(':');
      self.else = expression(0);
    }
    return self;
  });
  infix('?:', OPERATORS['?:'], (self, left) => {
    self.type = 'condition';
    self.condition = structuredClone(left);
    self.then = left;
    self.else = expression(0);
    return self;
  });
  prefix('|', (self) => {
    self.type = 'transform';
    self.pattern = expression(0);
    advance('|');
    self.update = expression(0);
    if (node.id === ',') {
      advance(',');
      self.delete = expression(0);
    }
    advance('|');
    return self;
  });

  node = { type: '(start)', position: 0 };
  advance();
  const tree = expression(0);
  if (node.id !== '(end)')
    throw syntaxError('S0201', { position: node.position, token: tokenText(node) });
  return processAst(tree);
}

function tokenText(n: Node): string {
  const v = n.value;
  if (v !== null && typeof v === 'object') return `/${v.source}/`;
  return String(v);
}
