// Reads infra/docker-compose.yml the way `docker compose config` would for what the smoke test
// needs (there is no Docker engine here): YAML, then `${…}` interpolation from a .env, then each
// service's environment. Also the structural rules the file must keep.
import { readFileSync } from 'node:fs';
import { assert } from './checklist.mjs';

const REFERENCE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Names of every variable the file refers to, and those it requires (`${X:?…}`). */
export function referencedVariables(text) {
  const all = new Set();
  const required = new Set();
  const withoutComments = text.replace(/(^|\s)#.*$/gm, '$1');
  for (const match of withoutComments.matchAll(REFERENCE)) {
    const name = match[1] ?? match[4];
    if (name === undefined) continue;
    all.add(name);
    if (match[2] === ':?') required.add(name);
  }
  return { all, required };
}

/** Compose's interpolation of one string; collects the messages of unset required variables. */
export function interpolate(value, env, errors) {
  return value.replace(REFERENCE, (whole, braced, operator, argument, bare) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare;
    const current = env[name];
    const empty = current === undefined || current === '';
    switch (operator) {
      case ':-':
        return empty ? argument : current;
      case '-':
        return current === undefined ? argument : current;
      case ':?':
      case '?':
        if (operator === ':?' ? empty : current === undefined) {
          errors.push(`${name}: ${argument}`);
          return '';
        }
        return current;
      default:
        return current ?? '';
    }
  });
}

/** The compose model with every string interpolated. Throws listing each missing required variable. */
export function loadCompose(file, env, yaml) {
  const errors = [];
  const walk = (node) => {
    if (typeof node === 'string') return interpolate(node, env, errors);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value)]));
    }
    return node;
  };
  // merge: true resolves the `<<:` keys compose files use for shared settings.
  const model = walk(yaml.parse(readFileSync(file, 'utf8'), { merge: true }));
  if (errors.length > 0) {
    const failure = new Error(
      `required variables are not set: ${errors.map((e) => e.split(':')[0]).join(', ')}`,
    );
    failure.missing = errors.map((e) => e.split(':')[0]);
    throw failure;
  }
  return model;
}

/** A service's environment as a plain map (compose accepts a map or a list of KEY=value). */
export function serviceEnvironment(model, service) {
  const environment = model.services?.[service]?.environment ?? {};
  if (!Array.isArray(environment)) {
    return Object.fromEntries(
      Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]),
    );
  }
  return Object.fromEntries(
    environment.map((entry) => {
      const at = entry.indexOf('=');
      return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

/** Start-up order and health: what `docker compose up` relies on. */
export function assertComposeStructure(model) {
  const services = model.services ?? {};
  const condition = (service, dependency) => services[service]?.depends_on?.[dependency]?.condition;
  const expectations = [
    ['migrate', 'postgres', 'service_healthy'],
    ['control-plane', 'migrate', 'service_completed_successfully'],
    ['control-plane', 'postgres', 'service_healthy'],
    ['control-plane', 'nats', 'service_healthy'],
    ['control-plane', 's3', 'service_healthy'],
    ['gateway', 'nats', 'service_healthy'],
    ['agent', 'gateway', 'service_healthy'],
  ];
  for (const [service, dependency, expected] of expectations) {
    const actual = condition(service, dependency);
    assert(
      actual === expected,
      `${service} waits for ${dependency} with ${actual ?? 'nothing'}, not ${expected}`,
    );
  }
  for (const name of ['postgres', 'nats', 's3', 'control-plane', 'gateway']) {
    assert(Array.isArray(services[name]?.healthcheck?.test), `${name} has no healthcheck`);
  }
  assert(
    services.migrate.image === services['control-plane'].image,
    'migrate does not run the control-plane image',
  );
  assert(
    services.migrate.command?.[0] === 'migrate' && services.migrate.restart === 'no',
    'migrate is not a one-shot `migrate`',
  );
  for (const app of ['migrate', 'control-plane', 'gateway', 'agent']) {
    const service = services[app];
    assert(
      service.read_only === true && service.cap_drop?.includes('ALL'),
      `${app} is not read-only with every capability dropped`,
    );
  }
  // Agents never touch NATS (nor PostgreSQL or S3): not even a network route to them.
  const agentNetworks = services.agent?.networks ?? [];
  for (const dependency of ['postgres', 'nats', 's3']) {
    const shared = (services[dependency]?.networks ?? []).filter((network) =>
      agentNetworks.includes(network),
    );
    assert(shared.length === 0, `the agent shares network ${shared.join(', ')} with ${dependency}`);
  }
}
