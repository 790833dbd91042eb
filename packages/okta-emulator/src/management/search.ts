/**
 * Okta's SCIM-like search and filter expressions (`profile.login eq "a@b.c" and status eq "ACTIVE"`),
 * parsed into a predicate. Precedence: `and` binds tighter than `or`; parentheses group.
 * @see https://developer.okta.com/docs/api/#filter
 * @see RFC 7644 §3.4.2.2 (SCIM filtering, which Okta's syntax follows)
 */

/** Comparison operators Okta accepts; `pr` (present) takes no value. */
export type SearchOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'co' | 'ew' | 'pr';

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node }
  | { kind: 'compare'; attribute: string; operator: SearchOperator; value: string | number | boolean | null };

/** A bad expression; the Management API answers `400 E0000031 Invalid search criteria.` */
export class SearchSyntaxError extends Error {
  override readonly name = 'SearchSyntaxError';
}

const OPERATORS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew', 'pr']);
const TOKEN = /\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w.$-]*)|(-?\d+(?:\.\d+)?))/y;

type Token = { type: 'open' | 'close' } | { type: 'string'; value: string } | { type: 'word'; value: string } | { type: 'number'; value: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // Trailing blanks trimmed once: every token consumes the blanks before it.
  const text = source.trimEnd();
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new SearchSyntaxError(`unexpected character at position ${at}`);
    if (match[1]) tokens.push({ type: 'open' });
    else if (match[2]) tokens.push({ type: 'close' });
    else if (match[3] !== undefined) tokens.push({ type: 'string', value: match[3].replace(/\\(.)/g, '$1') });
    else if (match[4]) tokens.push({ type: 'word', value: match[4] });
    else tokens.push({ type: 'number', value: Number(match[5]) });
  }
  return tokens;
}

/** Limits: which attributes and operators a parameter accepts (`filter` is narrower than `search`). */
export interface SearchRules {
  attributes: (attribute: string) => boolean;
  operators: ReadonlySet<SearchOperator>;
}

/** Parse an expression; throws {@link SearchSyntaxError} naming what is wrong. */
export function parseSearch(source: string, rules: SearchRules): Node {
  const tokens = tokenize(source);
  if (tokens.length === 0) throw new SearchSyntaxError('empty expression');
  let index = 0;
  const peekWord = (): string | undefined => {
    const token = tokens[index];
    return token?.type === 'word' ? token.value.toLowerCase() : undefined;
  };
  const parseOr = (): Node => {
    let left = parseAnd();
    while (peekWord() === 'or') {
      index++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseUnary();
    while (peekWord() === 'and') {
      index++;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Node => {
    if (peekWord() === 'not') {
      index++;
      return { kind: 'not', inner: parseUnary() };
    }
    const token = tokens[index++];
    if (!token) throw new SearchSyntaxError('expression ends too early');
    if (token.type === 'open') {
      const inner = parseOr();
      if (tokens[index++]?.type !== 'close') throw new SearchSyntaxError('missing )');
      return inner;
    }
    if (token.type !== 'word') throw new SearchSyntaxError('expected an attribute name');
    const attribute = token.value;
    if (!rules.attributes(attribute)) throw new SearchSyntaxError(`unsupported attribute ${attribute}`);
    const operatorToken = tokens[index++];
    const operator = operatorToken?.type === 'word' ? operatorToken.value.toLowerCase() : '';
    if (!OPERATORS.has(operator) || !rules.operators.has(operator as SearchOperator)) {
      throw new SearchSyntaxError(`unsupported operator after ${attribute}`);
    }
    if (operator === 'pr') return { kind: 'compare', attribute, operator: 'pr', value: null };
    const valueToken = tokens[index++];
    let value: string | number | boolean | null;
    if (valueToken?.type === 'string' || valueToken?.type === 'number') value = valueToken.value;
    else if (valueToken?.type === 'word' && ['true', 'false', 'null'].includes(valueToken.value)) {
      value = valueToken.value === 'null' ? null : valueToken.value === 'true';
    } else throw new SearchSyntaxError(`expected a value after ${attribute} ${operator}`);
    if (DATE_ATTRIBUTE.test(attribute) && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
      throw new SearchSyntaxError(`${attribute} needs a date such as "2024-01-31T00:00:00.000Z"`);
    }
    return { kind: 'compare', attribute, operator: operator as SearchOperator, value };
  };
  const node = parseOr();
  if (index !== tokens.length) throw new SearchSyntaxError('unexpected input after the expression');
  return node;
}

const DATE_ATTRIBUTE = /^(created|activated|statusChanged|lastLogin|lastUpdated|passwordChanged|lastMembershipUpdated)$/;

function compare(actual: unknown, operator: SearchOperator, expected: string | number | boolean | null, attribute: string): boolean {
  if (operator === 'pr') return actual !== null && actual !== undefined && actual !== '';
  if (actual === undefined || actual === null) return operator === 'ne' ? expected !== null : expected === null && operator === 'eq';
  // parseSearch lets only parsable dates through for date attributes.
  if (DATE_ATTRIBUTE.test(attribute) && typeof expected === 'string') return ordered(Date.parse(String(actual)) - Date.parse(expected), operator);
  if (typeof expected === 'number') return ordered(Number(actual) - expected, operator);
  // Okta compares strings case-insensitively in search expressions.
  const left = String(actual).toLowerCase();
  const right = String(expected).toLowerCase();
  switch (operator) {
    case 'sw':
      return left.startsWith(right);
    case 'ew':
      return left.endsWith(right);
    case 'co':
      return left.includes(right);
    default:
      return ordered(left < right ? -1 : left > right ? 1 : 0, operator);
  }
}

function ordered(difference: number, operator: SearchOperator): boolean {
  switch (operator) {
    case 'eq':
      return difference === 0;
    case 'ne':
      return difference !== 0;
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    default:
      return false;
  }
}

/** Resolve `profile.login` / `status` on an object. */
function valueAt(subject: unknown, attribute: string): unknown {
  let current: unknown = subject;
  for (const part of attribute.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Whether `subject` matches a parsed expression. */
export function matches(node: Node, subject: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return matches(node.left, subject) && matches(node.right, subject);
    case 'or':
      return matches(node.left, subject) || matches(node.right, subject);
    case 'not':
      return !matches(node.inner, subject);
    case 'compare':
      return compare(valueAt(subject, node.attribute), node.operator, node.value, node.attribute);
  }
}

/** A parsed expression as a predicate; throws {@link SearchSyntaxError} at parse time. */
export function compileSearch(source: string, rules: SearchRules): (subject: unknown) => boolean {
  const node = parseSearch(source, rules);
  return (subject) => matches(node, subject);
}
