import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { makeTempDir, minimalEnv, mintEnrolmentToken } from '../../test/support/fixtures.js';
import { resolveSecretReference } from '../secrets/resolve-secret-reference.js';
import { SecretReferenceError } from '../secrets/secret-reference.error.js';
import { AgentConfigError } from './agent-config.error.js';
import { describeAgentConfig } from './agent-config.js';
import { loadAgentConfig } from './load-agent-config.js';

let root: string;
let removeRoot: () => Promise<void>;
let token: string;
let env: Record<string, string>;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
  root = await realpath(root);
  token = mintEnrolmentToken();
  env = minimalEnv(root, token);
  await mkdir(join(root, 'secrets'));
});
afterEach(() => removeRoot());

async function configError(promise: Promise<unknown>): Promise<AgentConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!AgentConfigError.is(error))
    throw new Error(`expected an AgentConfigError, got ${inspect(error)}`);
  return error;
}

const FILES = 'secretFileDirectories (WEFT_AGENT_SECRET_FILE_DIRECTORIES)';
const VARIABLES = 'secretEnvVariables (WEFT_AGENT_SECRET_ENV_VARIABLES)';

describe('secret reference settings', () => {
  it('allow nothing by default, so every reference is refused', async () => {
    const config = await loadAgentConfig({ env, cwd: root });
    expect(config.secretReferences).toEqual({
      envVariables: [],
      fileDirectories: [],
      protectedPaths: [join(root, 'state'), join(root, 'work'), join(root, 'logs')],
    });
    for (const reference of ['env:HOME', `file:${join(root, 'secrets', 'x')}`]) {
      const error = await resolveSecretReference(reference, config.secretReferences, {
        env: { HOME: '/root' },
      }).catch((caught: unknown) => caught);
      expect(SecretReferenceError.is(error) && error.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
    }
  });

  it('read comma-separated lists from the environment and YAML lists from agent.yaml', async () => {
    await mkdir(join(root, 'more'));
    const fromEnv = await loadAgentConfig({
      env: {
        ...env,
        WEFT_AGENT_SECRET_ENV_VARIABLES: 'CRM_TOKEN, WEFT_SECRET_*',
        WEFT_AGENT_SECRET_FILE_DIRECTORIES: `${join(root, 'secrets')},${join(root, 'more')}/`,
      },
      cwd: root,
    });
    expect(fromEnv.secretReferences.envVariables).toEqual(['CRM_TOKEN', 'WEFT_SECRET_*']);
    expect(fromEnv.secretReferences.fileDirectories).toEqual([
      join(root, 'secrets'),
      join(root, 'more'),
    ]);
    expect(describeAgentConfig(fromEnv)).toMatchObject({
      referenceEnvVariables: ['CRM_TOKEN', 'WEFT_SECRET_*'],
      referenceFileDirectories: [join(root, 'secrets'), join(root, 'more')],
    });

    const file = join(root, 'agent.yaml');
    await writeFile(
      file,
      `secretEnvVariables: [ERP_PASSWORD]\nsecretFileDirectories:\n  - ${join(root, 'secrets')}\n`,
    );
    const fromYaml = await loadAgentConfig({ env, cwd: root });
    expect(fromYaml.secretReferences).toEqual({
      envVariables: ['ERP_PASSWORD'],
      fileDirectories: [join(root, 'secrets')],
      protectedPaths: [join(root, 'state'), join(root, 'work'), join(root, 'logs'), file],
    });
  });

  it("refuse at start-up any entry that could open the agent's own WEFT_AGENT_* variables", async () => {
    const error = await configError(
      loadAgentConfig({
        env: {
          ...env,
          WEFT_AGENT_SECRET_ENV_VARIABLES:
            'CRM_TOKEN,WEFT_AGENT_ENROLMENT_TOKEN,WEFT_*,*,weft_agent_proxy_url,WEFT_AGENT_X*,WEFT_SECRET_*',
        },
        cwd: root,
      }),
    );
    expect(error.message).toBe(
      `${VARIABLES} must not allow the agent's own WEFT_AGENT_* variables: WEFT_AGENT_ENROLMENT_TOKEN, WEFT_*, *, weft_agent_proxy_url, WEFT_AGENT_X*`,
    );
  });

  it.each(['CRM-TOKEN', 'CRM*TOKEN', '1TOKEN', 'CRM_TOKEN**'])(
    'refuses the malformed variable entry %s',
    async (entry) => {
      const error = await configError(
        loadAgentConfig({ env: { ...env, WEFT_AGENT_SECRET_ENV_VARIABLES: entry }, cwd: root }),
      );
      expect(error.message).toBe(
        `${VARIABLES} must list variable names (letters, digits, "_"), each optionally ending in * for a prefix`,
      );
    },
  );

  it('refuses relative directories', async () => {
    const error = await configError(
      loadAgentConfig({
        env: { ...env, WEFT_AGENT_SECRET_FILE_DIRECTORIES: 'secrets' },
        cwd: root,
      }),
    );
    expect(error.message).toBe(`${FILES} must be a list of absolute directories`);
  });

  it("refuses the root, missing directories, files, and anything overlapping the agent's own paths", async () => {
    await writeFile(join(root, 'plain-file'), 'x');
    await mkdir(join(root, 'logs', 'inner'), { recursive: true });
    await mkdir(join(root, 'state'));
    await symlink(join(root, 'state'), join(root, 'state-link'));
    await symlink('/', join(root, 'root-link'));
    const configDir = join(root, 'etc');
    await mkdir(configDir);
    const configFile = join(configDir, 'agent.yaml');
    await writeFile(configFile, 'logLevel: info\n');
    const directories = [
      '/',
      join(root, 'missing'),
      join(root, 'plain-file'),
      root,
      join(root, 'work'),
      join(root, 'logs', 'inner'),
      join(root, 'state-link'),
      join(root, 'root-link'),
      configDir,
      '/proc/self',
      join(root, 'secrets'),
    ];
    const error = await configError(
      loadAgentConfig({
        configPath: configFile,
        env: { ...env, WEFT_AGENT_SECRET_FILE_DIRECTORIES: directories.join(',') },
        cwd: root,
      }),
    );
    const messages = error.problems
      .filter((problem) => problem.setting === 'secretFileDirectories')
      .map((problem) => problem.message);
    expect(messages).toEqual([
      'must not list the file-system root: /',
      `must list existing directories (ENOENT): ${join(root, 'missing')}`,
      `must list directories, and this is not one: ${join(root, 'plain-file')}`,
      `must not be, contain or lie inside stateDir: ${root}`,
      `must not be, contain or lie inside workDir: ${root}`,
      `must not be, contain or lie inside logDir: ${root}`,
      `must not contain the config file: ${root}`,
      `must not be, contain or lie inside workDir: ${join(root, 'work')}`,
      `must not be, contain or lie inside logDir: ${join(root, 'logs', 'inner')}`,
      `must not be, contain or lie inside stateDir: ${join(root, 'state-link')}`,
      `must not list the file-system root (through a symlink): ${join(root, 'root-link')}`,
      `must not contain the config file: ${configDir}`,
      'must not list /proc or /sys: /proc/self',
    ]);
    expect(
      error.problems.every((problem) => problem.env === 'WEFT_AGENT_SECRET_FILE_DIRECTORIES'),
    ).toBe(true);
  });

  it('sees an overlap through a symlinked parent of an agent directory that does not exist yet', async () => {
    await symlink(join(root, 'secrets'), join(root, 'linked'));
    const error = await configError(
      loadAgentConfig({
        env: {
          ...env,
          WEFT_AGENT_STATE_DIR: join(root, 'linked', 'state'),
          WEFT_AGENT_SECRET_FILE_DIRECTORIES: join(root, 'secrets'),
        },
        cwd: root,
      }),
    );
    expect(error.message).toBe(
      `${FILES} must not be, contain or lie inside stateDir: ${join(root, 'secrets')}`,
    );
  });
});
