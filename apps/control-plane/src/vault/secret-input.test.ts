import {
  MAX_SECRET_VALUE_BYTES,
  VaultError,
  assertSecretName,
  parseSecretWrite,
} from './secret-input.js';

function refusal(body: unknown): VaultError {
  try {
    parseSecretWrite(body);
  } catch (error) {
    if (VaultError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a VaultError');
}

describe('parseSecretWrite', () => {
  it('accepts a value or a reference, defaulting kind and description', () => {
    expect(parseSecretWrite({ value: 's3cr3t' })).toEqual({
      kind: 'credential',
      description: '',
      value: 's3cr3t',
    });
    expect(parseSecretWrite({ kind: 'variable', reference: 'env:CRM_TOKEN' })).toEqual({
      kind: 'variable',
      description: '',
      reference: 'env:CRM_TOKEN',
    });
    expect(parseSecretWrite({ reference: 'file:/etc/weft/key.pem' })).toMatchObject({
      reference: 'file:/etc/weft/key.pem',
    });
    const longest = `file:/${'a'.repeat(1024)}`;
    expect(longest).toHaveLength(1030);
    expect(parseSecretWrite({ reference: longest })).toMatchObject({ reference: longest });
  });

  it.each([
    [null, undefined, 'body must be a JSON object'],
    [[1], undefined, 'body must be a JSON object'],
    [{}, undefined, 'give exactly one of value and reference'],
    [{ value: 'a', reference: 'env:A' }, undefined, 'give exactly one of value and reference'],
    [{ value: '' }, 'value', 'value must be a non-empty string'],
    [{ value: 42 }, 'value', 'value must be a non-empty string'],
    [
      { value: 'x'.repeat(MAX_SECRET_VALUE_BYTES + 1) },
      'value',
      `value must be at most ${MAX_SECRET_VALUE_BYTES} bytes`,
    ],
    [{ value: 'a', kind: 'password' }, 'kind', 'kind must be one of variable, credential'],
    [
      { value: 'a', description: 'd'.repeat(501) },
      'description',
      'description must be a string of at most 500 characters',
    ],
    [{ reference: 'vault:kv/x' }, 'reference', 'reference must be env:NAME or file:/absolute/path'],
    [
      { reference: 'file:relative/path' },
      'reference',
      'reference must be env:NAME or file:/absolute/path',
    ],
    [
      { reference: 'env:HAS SPACE' },
      'reference',
      'reference must be env:NAME or file:/absolute/path',
    ],
    [{ value: 'a', owner: 'me' }, 'owner', 'unknown field "owner"'],
  ])('refuses %j naming the field', (body, field, message) => {
    const error = refusal(body);
    expect(error.code).toBe('SECRET_INVALID');
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
  });

  it('never echoes the value it refuses', () => {
    const value = `too-long-${'z'.repeat(MAX_SECRET_VALUE_BYTES)}`;
    expect(refusal({ value }).message).not.toContain('too-long');
  });

  it('checks names: a letter or _ first, then letters, digits, _ . -', () => {
    for (const good of ['API_KEY', '_x', 'crm.token-2'])
      expect(() => assertSecretName(good)).not.toThrow();
    for (const bad of ['', '1abc', 'has space', 'a/b', 'x'.repeat(129), '../etc']) {
      expect(() => assertSecretName(bad)).toThrow(VaultError);
    }
  });
});
