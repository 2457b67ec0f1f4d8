import type { XsdComplexType, XsdFacets, XsdSimpleType } from './xsd-model.js';

export const XS = 'http://www.w3.org/2001/XMLSchema';

const STRING_LIKE = [
  'string',
  'normalizedString',
  'token',
  'language',
  'Name',
  'NCName',
  'ID',
  'IDREF',
  'IDREFS',
  'ENTITY',
  'ENTITIES',
  'NMTOKEN',
  'NMTOKENS',
  'anyURI',
  'QName',
  'NOTATION',
  'base64Binary',
  'hexBinary',
  'duration',
  'dayTimeDuration',
  'yearMonthDuration',
  'time',
  'gYear',
  'gYearMonth',
  'gMonth',
  'gMonthDay',
  'gDay',
  'anySimpleType',
];
const INTEGER_LIKE = [
  'integer',
  'int',
  'long',
  'short',
  'byte',
  'nonNegativeInteger',
  'positiveInteger',
  'negativeInteger',
  'nonPositiveInteger',
  'unsignedLong',
  'unsignedInt',
  'unsignedShort',
  'unsignedByte',
];
const NUMBER_LIKE = ['decimal', 'float', 'double'];
const OTHER = ['boolean', 'date', 'dateTime', 'dateTimeStamp'];

export const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  ...STRING_LIKE,
  ...INTEGER_LIKE,
  ...NUMBER_LIKE,
  ...OTHER,
]);

// The value ranges the built-in integer types imply, so that they reach the interface's constraints.
const IMPLIED_RANGES: Readonly<Record<string, readonly [string | undefined, string | undefined]>> =
  {
    int: ['-2147483648', '2147483647'],
    short: ['-32768', '32767'],
    byte: ['-128', '127'],
    nonNegativeInteger: ['0', undefined],
    positiveInteger: ['1', undefined],
    negativeInteger: [undefined, '-1'],
    nonPositiveInteger: [undefined, '0'],
    unsignedLong: ['0', undefined],
    unsignedInt: ['0', '4294967295'],
    unsignedShort: ['0', '65535'],
    unsignedByte: ['0', '255'],
  };

export function builtinSimpleType(local: string): XsdSimpleType {
  const range = IMPLIED_RANGES[local];
  const facets: XsdFacets =
    range === undefined
      ? {}
      : {
          ...(range[0] === undefined ? {} : { minInclusive: range[0] }),
          ...(range[1] === undefined ? {} : { maxInclusive: range[1] }),
        };
  return { kind: 'simple', builtin: local, facets };
}

/** xs:anyType: anything, with any attributes. */
export function anyType(): XsdComplexType {
  return {
    kind: 'complex',
    name: 'anyType',
    attributes: [],
    content: undefined,
    text: undefined,
    mixed: true,
    open: true,
  };
}

export type ScalarKind = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';

export function scalarKind(builtin: string): ScalarKind {
  if (INTEGER_LIKE.includes(builtin)) return 'integer';
  if (NUMBER_LIKE.includes(builtin)) return 'number';
  if (builtin === 'boolean') return 'boolean';
  if (builtin === 'date') return 'date';
  if (builtin === 'dateTime' || builtin === 'dateTimeStamp') return 'datetime';
  return 'string';
}
