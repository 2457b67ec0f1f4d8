// IANA zone names only (`Europe/Paris`, `UTC`, `Etc/GMT+5`): newer engines also take `+01:00`
// offsets, which a scheduler elsewhere might not, so the name's shape is checked first.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9][A-Za-z0-9_+-]*){0,3}$/;

export function isTimeZone(name: string): boolean {
  if (name.length > 64 || !ZONE_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
