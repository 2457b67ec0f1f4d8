import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { EgressGuard } from '../contract.js';
import { ConnectorError } from '../errors.js';
import { classifyAddress } from './ip.js';
import { compileRules, normalizeHost } from './rules.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has (default: the system resolver, like connect() would). */
export type HostResolver = (host: string) => Promise<readonly ResolvedAddress[]>;

export interface EgressPolicyOptions {
  readonly agentKind: 'cloud' | 'private';
  /** CIDRs, addresses and host names (exact or *.suffix) the organization allow-lists. */
  readonly allow?: readonly string[];
  /** CIDRs, addresses and host names the organization denies; wins over allow, for every agent kind. */
  readonly deny?: readonly string[];
  readonly resolver?: HostResolver;
}

/** The verdict for one address, without resolving anything. */
export interface EgressDecision {
  readonly allowed: boolean;
  /** Why it is refused ('link-local', 'denied by the organization', …); undefined when allowed. */
  readonly reason?: string;
}

/** An EgressGuard plus the checks behind it, for callers that want a verdict rather than an error. */
export interface EgressPolicy extends EgressGuard {
  readonly agentKind: 'cloud' | 'private';
  /** The verdict for one address reached through `host` (host is the name used, or the address itself). */
  check(host: string, address: string): EgressDecision;
}

const systemResolver: HostResolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/**
 * Builds the egress policy for one agent. Cloud agents refuse every non-public address (loopback,
 * link-local incl. cloud metadata, private, CGNAT, multicast, … and their IPv6 wrappings) unless
 * allow-listed; private agents reach everything the organization does not deny.
 *
 * A name that resolves to several addresses passes only if EVERY address passes: one refused
 * address refuses the name. That fails closed against names that mix a public address with an
 * internal one (a classic rebinding set-up), and keeps the verdict independent of address order.
 */
export function createEgressGuard(options: EgressPolicyOptions): EgressPolicy {
  const { agentKind } = options;
  if (agentKind !== 'cloud' && agentKind !== 'private') {
    throw new ConnectorError('invalid_config', 'agentKind must be cloud or private');
  }
  const allow = compileRules(options.allow, 'allow');
  const deny = compileRules(options.deny, 'deny');
  const resolver = options.resolver ?? systemResolver;

  function check(host: string, address: string): EgressDecision {
    const name = normalizeHost(host);
    if (deny.matchesHost(name) || deny.matchesAddress(address)) {
      return { allowed: false, reason: 'denied by the organization' };
    }
    if (agentKind === 'private') return { allowed: true };
    const category = classifyAddress(address);
    if (category === undefined || allow.matchesHost(name) || allow.matchesAddress(address))
      return { allowed: true };
    return { allowed: false, reason: category };
  }

  function refuse(host: string, address: string, reason: string): ConnectorError {
    const target = host === address ? address : `${host} (${address})`;
    const message =
      reason === 'denied by the organization'
        ? `egress to ${target} refused: the organization denies it`
        : `egress to ${target} (${reason}) refused for a cloud agent; an administrator can allow-list it`;
    return new ConnectorError('egress_denied', message);
  }

  return {
    agentKind,
    check,
    async resolve(host, port) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new ConnectorError('invalid_config', `port ${String(port)} is not a valid TCP port`);
      }
      const name = normalizeHost(host);
      if (name === '') throw new ConnectorError('invalid_config', 'the host name is empty');
      const literal = isIP(name);
      let addresses: readonly ResolvedAddress[];
      if (literal !== 0) {
        addresses = [{ address: name, family: literal === 6 ? 6 : 4 }];
      } else {
        // A denied name is refused before any DNS query leaks it.
        if (deny.matchesHost(name)) throw refuse(name, name, 'denied by the organization');
        addresses = await resolveName(resolver, name);
      }
      for (const { address } of addresses) {
        const decision = check(name, address);
        if (!decision.allowed) throw refuse(name, address, decision.reason ?? 'refused');
      }
      const first = addresses[0];
      if (!first) throw new ConnectorError('not_found', `${name} has no address`);
      return { address: first.address, family: first.family };
    },
  };
}

async function resolveName(
  resolver: HostResolver,
  name: string,
): Promise<readonly ResolvedAddress[]> {
  try {
    return await resolver(name);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') {
      throw new ConnectorError('not_found', `${name} does not resolve`, { cause: error });
    }
    throw new ConnectorError('remote_error', `resolving ${name} failed`, {
      cause: error,
      retryable: true,
    });
  }
}
