import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { makeTempDir, minimalEnv, mintEnrolmentToken } from '../../test/support/fixtures.js';
import { AGENT_IDENTITY_FILE } from '../storage/agent-identity.js';
import { AgentConfigError } from './agent-config.error.js';
import { describeAgentConfig, secretValuesOf } from './agent-config.js';
import { loadAgentConfig } from './load-agent-config.js';

let root: string;
let removeRoot: () => Promise<void>;
let token: string;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
  token = mintEnrolmentToken();
});
afterEach(() => removeRoot());

async function writeYaml(text: string, name = 'agent.yaml'): Promise<string> {
  const path = join(root, name);
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

async function configError(promise: Promise<unknown>): Promise<AgentConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!AgentConfigError.is(error))
    throw new Error(`expected an AgentConfigError, got ${inspect(error)}`);
  return error;
}

const baseYaml = (extra = ''): string =>
  `gatewayUrl: https://gateway.example.com/weft\nagentGroupId: group-7\nstateDir: state\nworkDir: work\nlogDir: logs\n${extra}`;

describe('loadAgentConfig', () => {
  it('reads settings from ./agent.yaml alone and applies defaults', async () => {
    await writeYaml(baseYaml(`enrolmentToken: ${token}\nagentName: edge-1\nhealthPort: 8081\n`));
    const config = await loadAgentConfig({ env: {}, cwd: root });
    expect(config).toMatchObject({
      configFile: join(root, 'agent.yaml'),
      gatewayUrl: 'https://gateway.example.com/weft',
      agentName: 'edge-1',
      agentGroupId: 'group-7',
      stateDir: join(root, 'state'),
      workDir: join(root, 'work'),
      logDir: join(root, 'logs'),
      logLevel: 'info',
      logRetentionDays: 14,
      proxy: null,
      caFile: null,
      maxConcurrentRuns: 4,
      shutdownGraceMs: 30_000,
      healthPort: 8081,
      agentKind: 'private',
      cloudLogging: true,
      warnings: [],
    });
    expect(config.enrolmentToken?.reveal()).toBe(token);
  });

  it('reads agentKind and cloudLogging from YAML and the environment, refusing other values', async () => {
    await writeYaml(baseYaml(`enrolmentToken: ${token}\nagentKind: cloud\ncloudLogging: false\n`));
    expect(await loadAgentConfig({ env: {}, cwd: root })).toMatchObject({
      agentKind: 'cloud',
      cloudLogging: false,
    });
    const fromEnv = await loadAgentConfig({
      env: { WEFT_AGENT_AGENT_KIND: 'private', WEFT_AGENT_CLOUD_LOGGING: 'TRUE' },
      cwd: root,
    });
    expect(fromEnv).toMatchObject({ agentKind: 'private', cloudLogging: true });
    const error = await configError(
      loadAgentConfig({
        env: { WEFT_AGENT_AGENT_KIND: 'hybrid', WEFT_AGENT_CLOUD_LOGGING: 'yes' },
        cwd: root,
      }),
    );
    expect(error.message).toBe(
      [
        'agentKind (WEFT_AGENT_AGENT_KIND) must be one of private, cloud',
        'cloudLogging (WEFT_AGENT_CLOUD_LOGGING) must be true or false',
      ].join('; '),
    );
  });

  it('runs on the environment alone when there is no default config file', async () => {
    const env = {
      ...minimalEnv(root, token),
      WEFT_AGENT_NO_PROXY: 'internal.example.com, .corp.example.com',
      WEFT_AGENT_PROXY_URL: 'http://proxy.example.com:3128',
    };
    const config = await loadAgentConfig({ env, cwd: root });
    expect(config.configFile).toBeNull();
    expect(config.gatewayUrl).toBe('http://127.0.0.1:9/');
    expect(config.agentGroupId).toBe('group-1');
    expect(config.proxy).toEqual({
      origin: 'http://proxy.example.com:3128',
      username: null,
      password: null,
      noProxy: ['internal.example.com', '.corp.example.com'],
    });
  });

  it('lets the environment win over the file, and treats an empty variable as unset', async () => {
    const file = await writeYaml(
      baseYaml(`enrolmentToken: ${token}\nlogLevel: warn\nmaxConcurrentRuns: 2\n`),
      'custom.yaml',
    );
    const config = await loadAgentConfig({
      configPath: file,
      env: {
        WEFT_AGENT_MAX_CONCURRENT_RUNS: '9',
        WEFT_AGENT_AGENT_GROUP_ID: 'group-from-env',
        WEFT_AGENT_LOG_LEVEL: '',
      },
      cwd: root,
    });
    expect(config.maxConcurrentRuns).toBe(9);
    expect(config.agentGroupId).toBe('group-from-env');
    expect(config.logLevel).toBe('warn');
    expect(config.configFile).toBe(file);
  });

  it('finds the file through WEFT_AGENT_CONFIG, and --config wins over it', async () => {
    const fromEnv = await writeYaml(
      baseYaml(`enrolmentToken: ${token}\nagentName: from-env-file\n`),
      'env.yaml',
    );
    const fromFlag = await writeYaml(
      baseYaml(`enrolmentToken: ${token}\nagentName: from-flag-file\n`),
      'flag.yaml',
    );
    expect(
      (await loadAgentConfig({ env: { WEFT_AGENT_CONFIG: fromEnv }, cwd: root })).agentName,
    ).toBe('from-env-file');
    expect(
      (
        await loadAgentConfig({
          configPath: fromFlag,
          env: { WEFT_AGENT_CONFIG: fromEnv },
          cwd: root,
        })
      ).agentName,
    ).toBe('from-flag-file');
  });

  it('requires an explicitly named config file to exist', async () => {
    const error = await configError(
      loadAgentConfig({ configPath: 'missing.yaml', env: minimalEnv(root, token), cwd: root }),
    );
    expect(error.code).toBe('config-file-unreadable');
    expect(error.message).toBe(`config file ${join(root, 'missing.yaml')} was not found`);
  });

  it('names unknown YAML keys and unknown WEFT_AGENT_* variables', async () => {
    await writeYaml(baseYaml(`enrolmentToken: ${token}\ngatewayURL: https://typo.example.com\n`));
    const error = await configError(
      loadAgentConfig({ env: { WEFT_AGENT_MAX_RUNS: '3' }, cwd: root }),
    );
    expect(error.code).toBe('invalid-settings');
    expect(error.problems.map((problem) => problem.setting).sort()).toEqual([
      'WEFT_AGENT_MAX_RUNS',
      'gatewayURL',
    ]);
    expect(error.message).toContain('gatewayURL is not a known setting');
  });

  it('names settings of the wrong type, reporting the type before range or format', async () => {
    await writeYaml(
      baseYaml(
        `enrolmentToken: ${token}\nagentName: 42\nmaxConcurrentRuns: "four"\nnoProxy: internal.example.com\nproxyUrl: http://p.example.com:3128\n`,
      ),
    );
    const error = await configError(
      loadAgentConfig({ env: { WEFT_AGENT_HEALTH_PORT: '80a' }, cwd: root }),
    );
    expect(error.message).toBe(
      [
        'agentName (WEFT_AGENT_AGENT_NAME) must be a string',
        'noProxy (WEFT_AGENT_NO_PROXY) must be a list of host names',
        'maxConcurrentRuns (WEFT_AGENT_MAX_CONCURRENT_RUNS) must be an integer',
        'healthPort (WEFT_AGENT_HEALTH_PORT) must be an integer',
      ].join('; '),
    );
  });

  it.each([
    [
      'http://gateway.example.com',
      'must be an https URL (plain http is accepted only for a loopback host)',
    ],
    [
      'http://10.0.0.8:8443',
      'must be an https URL (plain http is accepted only for a loopback host)',
    ],
    [
      'ftp://gateway.example.com',
      'must be an https URL (plain http is accepted only for a loopback host)',
    ],
    ['gateway.example.com', 'must be an https URL'],
    ['https://agent:pw@gateway.example.com', 'must not contain a user name or password'],
    ['https://gateway.example.com/?x=1', 'must not contain a query or fragment'],
  ])('rejects gateway URL %s', async (url, message) => {
    const error = await configError(
      loadAgentConfig({
        env: { ...minimalEnv(root, token), WEFT_AGENT_GATEWAY_URL: url },
        cwd: root,
      }),
    );
    expect(error.message).toBe(`gatewayUrl (WEFT_AGENT_GATEWAY_URL) ${message}`);
  });

  it.each([
    'http://127.0.0.1:8080',
    'http://localhost:8080',
    'http://[::1]:8080',
    'https://gateway.example.com',
  ])('accepts gateway URL %s', async (url) => {
    const config = await loadAgentConfig({
      env: { ...minimalEnv(root, token), WEFT_AGENT_GATEWAY_URL: url },
      cwd: root,
    });
    expect(config.gatewayUrl).toBe(new URL(url).href);
  });

  it.each([
    [
      'WEFT_AGENT_LOG_RETENTION_DAYS',
      '0',
      'logRetentionDays (WEFT_AGENT_LOG_RETENTION_DAYS) must be between 1 and 14',
    ],
    [
      'WEFT_AGENT_LOG_RETENTION_DAYS',
      '15',
      'logRetentionDays (WEFT_AGENT_LOG_RETENTION_DAYS) must be between 1 and 14',
    ],
    [
      'WEFT_AGENT_LOG_LEVEL',
      'verbose',
      'logLevel (WEFT_AGENT_LOG_LEVEL) must be one of debug, info, warn, error, fatal',
    ],
    [
      'WEFT_AGENT_AGENT_GROUP_ID',
      'org.env.group',
      'agentGroupId (WEFT_AGENT_AGENT_GROUP_ID) must be 1-64 letters, digits, dashes or underscores, starting with a letter or digit',
    ],
    [
      'WEFT_AGENT_PROXY_URL',
      'socks5://proxy:1080',
      'proxyUrl (WEFT_AGENT_PROXY_URL) must be an http:// or https:// proxy URL',
    ],
    [
      'WEFT_AGENT_SHUTDOWN_GRACE_SECONDS',
      '-1',
      'shutdownGraceSeconds (WEFT_AGENT_SHUTDOWN_GRACE_SECONDS) must be between 0 and 3600',
    ],
  ])('rejects %s=%s', async (name, value, message) => {
    const error = await configError(
      loadAgentConfig({ env: { ...minimalEnv(root, token), [name]: value }, cwd: root }),
    );
    expect(error.message).toBe(message);
  });

  it('applies cross-field rules: noProxy needs proxyUrl, directories must not overlap or be the root', async () => {
    const env = {
      ...minimalEnv(root, token),
      WEFT_AGENT_NO_PROXY: 'internal.example.com',
      WEFT_AGENT_WORK_DIR: join(root, 'state', 'work'),
      WEFT_AGENT_LOG_DIR: '/',
    };
    const error = await configError(loadAgentConfig({ env, cwd: root }));
    expect(error.message).toBe(
      [
        'workDir (WEFT_AGENT_WORK_DIR) must not be, contain or lie inside stateDir',
        'logDir (WEFT_AGENT_LOG_DIR) must not be the file-system root',
        'logDir (WEFT_AGENT_LOG_DIR) must not be, contain or lie inside stateDir',
        'logDir (WEFT_AGENT_LOG_DIR) must not be, contain or lie inside workDir',
        'noProxy (WEFT_AGENT_NO_PROXY) is set but proxyUrl is not',
      ].join('; '),
    );
  });

  it('requires the enrolment token until the agent has an identity, and warns when it lingers after', async () => {
    const env = minimalEnv(root, token);
    const { WEFT_AGENT_ENROLMENT_TOKEN: _omitted, ...withoutToken } = env;
    const error = await configError(loadAgentConfig({ env: withoutToken, cwd: root }));
    expect(error.message).toBe(
      'enrolmentToken (WEFT_AGENT_ENROLMENT_TOKEN) is required until the agent has enrolled (no identity in stateDir yet)',
    );

    await mkdir(join(root, 'state'), { recursive: true });
    await writeFile(join(root, 'state', AGENT_IDENTITY_FILE), '{}');
    expect((await loadAgentConfig({ env: withoutToken, cwd: root })).enrolmentToken).toBeNull();
    const stillSet = await loadAgentConfig({ env, cwd: root });
    expect(stillSet.warnings).toEqual([
      expect.stringContaining('enrolmentToken is set but the agent has already enrolled'),
    ]);
  });

  it('never echoes the enrolment token: not in errors, not when printed, not in the summary', async () => {
    const badToken = `${token} with spaces`;
    const error = await configError(
      loadAgentConfig({
        env: { ...minimalEnv(root, token), WEFT_AGENT_ENROLMENT_TOKEN: badToken },
        cwd: root,
      }),
    );
    expect(error.message).toBe(
      'enrolmentToken (WEFT_AGENT_ENROLMENT_TOKEN) must contain printable characters only, without spaces',
    );
    expect(inspect(error, { depth: 10 })).not.toContain(token);

    const broken = await writeYaml(
      `enrolmentToken: ${token}\ngatewayUrl: [unclosed\n`,
      'broken.yaml',
    );
    const malformed = await configError(
      loadAgentConfig({ configPath: broken, env: {}, cwd: root }),
    );
    expect(malformed.code).toBe('config-file-malformed');
    expect(malformed.message).toMatch(/is not valid YAML at line \d+, column \d+/);
    expect(malformed.message).not.toContain(token);

    const config = await loadAgentConfig({ env: minimalEnv(root, token), cwd: root });
    for (const printed of [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      JSON.stringify(describeAgentConfig(config)),
    ]) {
      expect(printed).not.toContain(token);
    }
    expect(describeAgentConfig(config)['enrolment']).toBe('token set');
    expect(secretValuesOf(config)).toEqual([token]);
  });

  it('keeps proxy credentials secret: masked in the summary, registered for log masking', async () => {
    const password = `p@ss-${mintEnrolmentToken()}`;
    const env = {
      ...minimalEnv(root, token),
      WEFT_AGENT_PROXY_URL: `http://svc-agent:${encodeURIComponent(password)}@proxy.example.com:3128`,
    };
    const config = await loadAgentConfig({ env, cwd: root });
    expect(config.proxy?.origin).toBe('http://proxy.example.com:3128');
    expect(config.proxy?.password?.reveal()).toBe(password);
    expect(describeAgentConfig(config)['proxyUrl']).toBe(
      'http://svc-agent:***@proxy.example.com:3128',
    );
    expect(JSON.stringify(config)).not.toContain(encodeURIComponent(password));
    expect(secretValuesOf(config)).toEqual(
      expect.arrayContaining([token, password, encodeURIComponent(password)]),
    );
  });

  it('checks caFile is a readable PEM file', async () => {
    const env = { ...minimalEnv(root, token), WEFT_AGENT_CA_FILE: 'ca.pem' };
    expect((await configError(loadAgentConfig({ env, cwd: root }))).message).toBe(
      'caFile (WEFT_AGENT_CA_FILE) cannot be read (ENOENT)',
    );
    await writeFile(join(root, 'ca.pem'), 'not a certificate');
    expect((await configError(loadAgentConfig({ env, cwd: root }))).message).toBe(
      'caFile (WEFT_AGENT_CA_FILE) must be a PEM file of CA certificates',
    );
    await writeFile(
      join(root, 'ca.pem'),
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    );
    expect((await loadAgentConfig({ env, cwd: root })).caFile).toBe(join(root, 'ca.pem'));
  });

  it('warns when a config file holding the token is readable by other users', async () => {
    const file = await writeYaml(baseYaml(`enrolmentToken: ${token}\n`));
    await chmod(file, 0o644);
    const config = await loadAgentConfig({ env: {}, cwd: root });
    expect(config.warnings).toEqual([expect.stringContaining('readable by other users')]);
  });
});
