import { BackupError } from './errors.js';
import { copyInStatement, copyOutStatement, restoreOrder } from './catalog.js';

describe('restore order', () => {
  it('puts every table after the tables it references, ties by name', () => {
    const order = restoreOrder(
      ['secrets', 'environments', 'users', 'organizations', 'memberships'],
      [
        { child: 'environments', parent: 'organizations' },
        { child: 'secrets', parent: 'environments' },
        { child: 'secrets', parent: 'users' },
        { child: 'memberships', parent: 'organizations' },
        { child: 'memberships', parent: 'users' },
      ],
    );
    expect(order).toEqual(['organizations', 'users', 'environments', 'memberships', 'secrets']);
  });

  it('allows self-references and refuses a cycle between tables', () => {
    expect(restoreOrder(['tree'], [{ child: 'tree', parent: 'tree' }])).toEqual(['tree']);
    let error: unknown;
    try {
      restoreOrder(
        ['a', 'b', 'c'],
        [
          { child: 'a', parent: 'b' },
          { child: 'b', parent: 'a' },
        ],
      );
    } catch (e) {
      error = e;
    }
    expect(BackupError.is(error) && error.code).toBe('SCHEMA_UNSUPPORTED');
    expect((error as Error).message).toContain('a, b');
  });
});

describe('COPY statements', () => {
  it('quote every identifier and name the schema', () => {
    const table = {
      name: 'we"ird',
      partitioned: false,
      copyFormat: 'binary' as const,
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'Mixed Case', type: 'text' },
      ],
    };
    expect(copyOutStatement(table)).toBe(
      'COPY public."we""ird" ("id", "Mixed Case") TO STDOUT (FORMAT binary)',
    );
    expect(copyOutStatement({ ...table, partitioned: true, copyFormat: 'text' })).toBe(
      'COPY (SELECT "id", "Mixed Case" FROM public."we""ird") TO STDOUT',
    );
    expect(copyInStatement(table)).toBe(
      'COPY public."we""ird" ("id", "Mixed Case") FROM STDIN (FORMAT binary)',
    );
  });
});
