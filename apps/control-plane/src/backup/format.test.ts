import { BackupError } from './errors.js';
import {
  BACKUP_FORMAT_VERSION,
  PREAMBLE_BYTES,
  backupIdTime,
  backupObjectKey,
  checkPrefix,
  encodeObjectHeader,
  isBackupId,
  newBackupId,
  parseHeaderJson,
  parseObjectPreamble,
  type BackupHeader,
} from './format.js';

const header: BackupHeader = {
  format: BACKUP_FORMAT_VERSION,
  backupId: '20261124T153000Z-1a2b3c4d',
  createdAt: '2026-11-24T15:30:00.123Z',
  server: { version: '18.0', versionNum: 180000 },
  migrations: ['InitialSchema1764000000000'],
  tables: [{ name: 'users', copyFormat: 'binary', columns: [{ name: 'id', type: 'uuid' }] }],
  compression: 'gzip',
  dataKey: { provider: 'local', kekId: '0123456789abcdef', blob: 'v1.abc' },
};

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (BackupError.is(error)) return error.code;
    throw error;
  }
  return 'none';
}

describe('backup object format', () => {
  it('round-trips the header behind the magic and its length', () => {
    const bytes = encodeObjectHeader(header);
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('WEFTBAK1');
    const length = parseObjectPreamble(bytes.subarray(0, PREAMBLE_BYTES));
    expect(length).toBe(bytes.length - PREAMBLE_BYTES);
    expect(parseHeaderJson(bytes.subarray(PREAMBLE_BYTES))).toEqual(header);
  });

  it('tells a foreign object (corrupt) from a newer format (incompatible)', () => {
    const bytes = encodeObjectHeader(header);
    const foreign = Buffer.from(bytes);
    foreign.write('PK\x03\x04', 0, 'latin1');
    expect(codeOf(() => parseObjectPreamble(foreign))).toBe('BACKUP_CORRUPT');
    const newer = Buffer.from(bytes);
    newer.write('2', 7, 'ascii');
    expect(codeOf(() => parseObjectPreamble(newer))).toBe('BACKUP_INCOMPATIBLE');
    const huge = Buffer.from(bytes);
    huge.writeUInt32BE(0xffffffff, 8);
    expect(codeOf(() => parseObjectPreamble(huge))).toBe('BACKUP_CORRUPT');
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));
    expect(codeOf(() => parseHeaderJson(json({ ...header, format: 2 })))).toBe(
      'BACKUP_INCOMPATIBLE',
    );
  });

  it('refuses malformed headers as corruption', () => {
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));
    const malformed: unknown[] = [
      null,
      [],
      { ...header, backupId: 'x' },
      { ...header, createdAt: 'yesterday' },
      { ...header, migrations: [1] },
      { ...header, compression: 'zstd' },
      { ...header, dataKey: { provider: 'local' } },
      { ...header, tables: [{ name: 'users', copyFormat: 'csv', columns: [] }] },
      { ...header, tables: [{ name: '', copyFormat: 'binary', columns: [] }] },
    ];
    for (const value of malformed)
      expect(codeOf(() => parseHeaderJson(json(value)))).toBe('BACKUP_CORRUPT');
    expect(codeOf(() => parseHeaderJson(Buffer.from([0xff, 0xfe])))).toBe('BACKUP_CORRUPT');
  });

  it('names backups so that they sort by time and keys cannot escape the prefix', () => {
    const at = new Date('2026-11-24T15:30:00.999Z');
    const id = newBackupId(at);
    expect(id).toMatch(/^20261124T153000Z-[0-9a-f]{8}$/);
    expect(isBackupId(id)).toBe(true);
    expect(backupIdTime(id).toISOString()).toBe('2026-11-24T15:30:00.000Z');
    expect(newBackupId(new Date('2026-11-24T15:30:01Z')) > id).toBe(true);
    expect(backupObjectKey('backups', id)).toBe(`backups/${id}.wbak`);
    expect(codeOf(() => backupObjectKey('backups', '../x'))).toBe('INVALID_ARGUMENT');
    for (const good of ['backups', 'weft/prod-1/backups']) expect(checkPrefix(good)).toBe(good);
    for (const bad of ['', '/backups', 'backups/', 'a//b', 'a/../b', '.hidden', 'a b']) {
      expect(codeOf(() => checkPrefix(bad))).toBe('INVALID_ARGUMENT');
    }
  });
});
