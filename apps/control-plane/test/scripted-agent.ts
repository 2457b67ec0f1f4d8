import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface GatewayReply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
}

/**
 * The agent protocol (docs/agent-protocol.md) spoken by the test itself, so a test can also say
 * what no real agent would: other groups' ids, forged leases, extra fields.
 */
export class ScriptedAgent {
  accessToken = '';

  private constructor(
    readonly gatewayUrl: string,
    readonly agentId: string,
    readonly orgId: string,
    readonly groupId: string,
    private readonly privateKey: KeyObject,
  ) {}

  static async enrol(gatewayUrl: string, token: string, name: string): Promise<ScriptedAgent> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const reply = await post(gatewayUrl, 'enrol', {
      token,
      name,
      version: 'test',
      host: 'test-host',
      publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    });
    if (reply.status !== 201) throw new Error(`enrolment refused: ${JSON.stringify(reply)}`);
    const agent = new ScriptedAgent(
      gatewayUrl,
      reply.body.agentId,
      reply.body.orgId,
      reply.body.groupId,
      privateKey,
    );
    await agent.authenticate();
    return agent;
  }

  /** Signs a fresh challenge for a new access token. */
  async authenticate(): Promise<GatewayReply> {
    const challenge = await post(this.gatewayUrl, 'challenge', { agentId: this.agentId });
    const signature = sign(
      null,
      Buffer.from(`weft-agent-token-v1:${challenge.body.challenge}`),
      this.privateKey,
    ).toString('base64');
    const reply = await post(this.gatewayUrl, 'token', {
      agentId: this.agentId,
      challenge: challenge.body.challenge,
      signature,
    });
    if (reply.status === 200) this.accessToken = reply.body.accessToken;
    return reply;
  }

  call(path: string, body: unknown = {}): Promise<GatewayReply> {
    return post(this.gatewayUrl, path, body, this.accessToken);
  }
}

export async function post(
  gatewayUrl: string,
  path: string,
  body: unknown,
  accessToken?: string,
): Promise<GatewayReply> {
  const response = await fetch(`${gatewayUrl}/agent/v1/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
