import { Transform } from 'class-transformer';
import { isIP } from 'node:net';
import { registerDecorator, type ValidationArguments } from 'class-validator';

/** Parses an integer setting; leaves non-numeric text alone so the validator can name it. */
export function ToInt(): PropertyDecorator {
  return Transform(({ value }) =>
    typeof value === 'string' && /^-?\d+$/.test(value) ? Number.parseInt(value, 10) : value,
  );
}

/** Parses `true`/`false`/`1`/`0`/`yes`/`no`; anything else stays a string and fails IsBoolean. */
export function ToBool(): PropertyDecorator {
  return Transform(({ value }) => {
    if (typeof value !== 'string') return value;
    const v = value.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    return value;
  });
}

/**
 * The value is a URL (or, with `list`, a comma-separated list of URLs) using one of the protocols.
 * Messages never include the value: it may hold credentials.
 */
export function IsUrlWithProtocol(
  protocols: string[],
  options: { list?: boolean } = {},
): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isUrlWithProtocol',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          const parts = options.list ? value.split(',').map((p) => p.trim()) : [value];
          return parts.every((part) => {
            try {
              const url = new URL(part);
              return protocols.includes(url.protocol) && url.hostname !== '';
            } catch {
              return false;
            }
          });
        },
        defaultMessage(args: ValidationArguments) {
          const schemes = protocols.map((p) => `${p}//`).join(' or ');
          return `${args.property} must be a ${schemes} URL${options.list ? ' (or a comma-separated list of them)' : ''}`;
        },
      },
    });
  };
}

/** `postgres://user:secret@host/db` → `postgres://user@host/db`, for messages and logs. */
export function describeUrl(value: string): string {
  return value
    .split(',')
    .map((part) => {
      try {
        const url = new URL(part.trim());
        url.password = '';
        url.search = '';
        return url.toString().replace(/\/$/, '');
      } catch {
        return '(unparseable URL)';
      }
    })
    .join(',');
}

/** An address to listen on: an IPv4 or IPv6 address, or `localhost`. */
export function IsListenAddress(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isListenAddress',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && (value === 'localhost' || isIP(value) !== 0),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be an IP address or localhost`,
      },
    });
  };
}
