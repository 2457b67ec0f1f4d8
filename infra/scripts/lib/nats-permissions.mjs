// Proves infra/nats/nats-server.conf on a real nats-server: each service user can do its job,
// and the server refuses what the user has no business doing (a permissions violation).
import { assert } from './checklist.mjs';

const ORG = 'org1';
const ENV = 'env1';
const GROUP = 'group1';
const subject = (kind) => `weft.${ORG}.${ENV}.${GROUP}.${kind}`;
const RUN_CONSUMER = `runs-${GROUP}`;
const VIOLATION_WAIT_MS = 2000;

/** The services connect with an inbox prefix of their own, which is all they may subscribe to. */
export const inboxPrefixOf = (user) => `_INBOX.${user}`;

/**
 * Runs the permission checks against the server at `url`. `nats` is the nats.js module;
 * `passwords` maps the users of nats-server.conf to the passwords the server was started with.
 */
export async function checkNatsPermissions(checks, { nats, url, passwords }) {
  const { AckPolicy, RetentionPolicy, StorageType, StringCodec, connect } = nats;
  const codec = StringCodec();
  const open = [];
  const connectAs = async (user, options = {}) => {
    const connection = await watched(connect, {
      servers: url,
      user,
      pass: passwords[user],
      inboxPrefix: inboxPrefixOf(user),
      name: `deploy-smoke-${user}`,
      reconnect: false,
      timeout: 3000,
      ...options,
    });
    open.push(connection.nc);
    return connection;
  };

  try {
    await checks.check('nats: a connection without credentials is refused', () =>
      expectAuthFailure(connect, { servers: url, reconnect: false, timeout: 3000 }),
    );
    await checks.check('nats: control-plane with a wrong password is refused', () =>
      expectAuthFailure(connect, {
        servers: url,
        user: 'control-plane',
        pass: 'wrong',
        reconnect: false,
        timeout: 3000,
      }),
    );

    const cp = await checks.check('nats: control-plane connects with its password', () =>
      connectAs('control-plane'),
    );
    const gw = await checks.check('nats: gateway connects with its password', () =>
      connectAs('gateway'),
    );
    const gw2 = gw && (await connectAs('gateway').catch(() => undefined));
    if (!cp || !gw || !gw2) {
      checks.skip('nats: permission checks', 'a service user could not connect');
      return;
    }
    const cpJsm = await cp.nc.jetstreamManager();
    const cpJs = cp.nc.jetstream();
    const gwJs = gw.nc.jetstream();

    // What each service must be able to do.
    const streamsReady = await checks.check(
      'nats: control-plane creates the WEFT_RUNS and WEFT_EVENTS streams',
      async () => {
        await cpJsm.streams.add({
          name: 'WEFT_RUNS',
          subjects: ['weft.*.*.*.run'],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
        });
        await cpJsm.streams.add({
          name: 'WEFT_EVENTS',
          subjects: ['weft.*.*.*.events'],
          storage: StorageType.File,
        });
        return true;
      },
    );
    await checks.check(
      "nats: control-plane provisions an agent group's durable run consumer",
      async () => {
        assert(streamsReady, 'streams missing');
        await cpJsm.consumers.add('WEFT_RUNS', {
          durable_name: RUN_CONSUMER,
          filter_subject: subject('run'),
          ack_policy: AckPolicy.Explicit,
        });
      },
    );
    await checks.check(
      'nats: control-plane enqueues a run (JetStream publish acknowledged)',
      async () => {
        const ack = await cpJs.publish(subject('run'), codec.encode('run-1'));
        assert(ack.stream === 'WEFT_RUNS', `acknowledged by ${ack.stream}`);
      },
    );
    await checks.check(
      "nats: gateway pulls the run from the group's consumer and acknowledges it",
      async () => {
        const consumer = await gwJs.consumers.get('WEFT_RUNS', RUN_CONSUMER);
        const message = await consumer.next({ expires: 3000 });
        assert(message !== null, 'no run was delivered');
        assert(codec.decode(message.data) === 'run-1', 'a different run was delivered');
        assert(await message.ackAck(), 'the acknowledgement was not confirmed');
      },
    );
    await checks.check('nats: gateway publishes an agent event into WEFT_EVENTS', async () => {
      const ack = await gwJs.publish(subject('events'), codec.encode('event-1'));
      assert(ack.stream === 'WEFT_EVENTS', `acknowledged by ${ack.stream}`);
    });
    await checks.check(
      'nats: control-plane consumes the event through its durable consumer',
      async () => {
        await cpJsm.consumers.add('WEFT_EVENTS', {
          durable_name: 'control-plane',
          ack_policy: AckPolicy.Explicit,
        });
        const consumer = await cpJs.consumers.get('WEFT_EVENTS', 'control-plane');
        const message = await consumer.next({ expires: 3000 });
        assert(
          message !== null && codec.decode(message.data) === 'event-1',
          'the event was not delivered',
        );
        assert(await message.ackAck(), 'the acknowledgement was not confirmed');
      },
    );
    await checks.check(
      'nats: control-plane sends a control notice that the gateway receives',
      async () => {
        const received = firstMessage(gw.nc.subscribe(subject('control'), { max: 1 }));
        await gw.nc.flush();
        cp.nc.publish(subject('control'), codec.encode('deployed'));
        assert(codec.decode((await received).data) === 'deployed', 'wrong notice');
      },
    );
    await checks.check(
      'nats: a gateway answers a published-API request from another gateway',
      async () => {
        const service = gw2.nc.subscribe(subject('api'), {
          queue: 'gateway',
          max: 1,
          callback: (error, message) => {
            if (!error) message.respond(codec.encode(`answer:${codec.decode(message.data)}`));
          },
        });
        await gw2.nc.flush();
        const reply = await gw.nc.request(subject('api'), codec.encode('call'), { timeout: 3000 });
        assert(codec.decode(reply.data) === 'answer:call', 'wrong answer');
        service.unsubscribe();
      },
    );

    // What the server must refuse.
    const refused = (name, connection, operation, target, action) =>
      checks.check(`nats: refused — ${name}`, () =>
        expectViolation(connection, operation, target, action),
      );
    await refused('gateway publishing a control notice', gw, 'publish', subject('control'), () =>
      gw.nc.publish(subject('control'), codec.encode('forged')),
    );
    await refused('gateway enqueueing a run', gw, 'publish', subject('run'), () =>
      gw.nc.publish(subject('run'), codec.encode('forged')),
    );
    await refused('gateway subscribing to every subject (>)', gw, 'subscription', '>', () =>
      gw.nc.subscribe('>'),
    );
    await refused(
      "gateway reading the control plane's inbox",
      gw,
      'subscription',
      '_INBOX.control-plane.>',
      () => gw.nc.subscribe('_INBOX.control-plane.>'),
    );
    await refused(
      'gateway deleting the WEFT_RUNS stream',
      gw,
      'publish',
      '$JS.API.STREAM.DELETE.WEFT_RUNS',
      () => gw.nc.publish('$JS.API.STREAM.DELETE.WEFT_RUNS'),
    );
    await refused(
      'gateway creating a consumer on WEFT_EVENTS',
      gw,
      'publish',
      '$JS.API.CONSUMER.CREATE.WEFT_EVENTS',
      () => gw.nc.publish('$JS.API.CONSUMER.CREATE.WEFT_EVENTS'),
    );
    await refused('control-plane forging an agent event', cp, 'publish', subject('events'), () =>
      cp.nc.publish(subject('events'), codec.encode('forged')),
    );
    const pull = `$JS.API.CONSUMER.MSG.NEXT.WEFT_RUNS.${RUN_CONSUMER}`;
    await refused('control-plane pulling runs meant for agents', cp, 'publish', pull, () =>
      cp.nc.publish(pull),
    );
    await refused(
      'control-plane listening to published-API traffic',
      cp,
      'subscription',
      'weft.*.*.*.api',
      () => cp.nc.subscribe('weft.*.*.*.api'),
    );
    await refused(
      "gateway forging the control plane's agent-change notice",
      gw,
      'publish',
      'weft-sys.agents.changed',
      () => gw.nc.publish('weft-sys.agents.changed', codec.encode('{"agentId":"x"}')),
    );
    await refused(
      "gateway answering the control plane's agent questions",
      gw,
      'subscription',
      'weft-sys.agents.identity',
      () => gw.nc.subscribe('weft-sys.agents.identity'),
    );
    await refused(
      'control-plane asking agent questions as if it were a gateway',
      cp,
      'publish',
      'weft-sys.agents.enrol',
      () => cp.nc.publish('weft-sys.agents.enrol', codec.encode('{}')),
    );
    await refused(
      "gateway answering the control plane's run-secret requests (it must only ever relay them)",
      gw,
      'subscription',
      'weft-sys.runs.secrets',
      () => gw.nc.subscribe('weft-sys.runs.secrets'),
    );
    await checks.check('nats: WEFT_RUNS survived the refused deletion', async () => {
      const info = await cpJsm.streams.info('WEFT_RUNS');
      assert(info.config.name === 'WEFT_RUNS', 'stream missing');
    });
  } finally {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
  }
}

/** Connects and records every permissions violation the server reports on the connection. */
async function watched(connect, options) {
  const nc = await connect(options);
  const violations = [];
  const waiters = new Set();
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type !== 'error' || status.permissionContext === undefined) continue;
      violations.push(status.permissionContext);
      for (const wake of waiters) wake();
    }
  })();
  return { nc, violations, waiters };
}

async function expectViolation(connection, operation, target, action) {
  const seen = () =>
    connection.violations.some((v) => v.operation === operation && v.subject === target);
  let wake = () => undefined;
  const woken = new Promise((resolve) => {
    wake = resolve;
  });
  connection.waiters.add(wake);
  try {
    action();
    await connection.nc.flush();
    const deadline = Date.now() + VIOLATION_WAIT_MS;
    while (!seen() && Date.now() < deadline) {
      await Promise.race([woken, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  } finally {
    connection.waiters.delete(wake);
  }
  assert(seen(), `the server did not report a ${operation} violation for ${target}`);
  assert(
    !connection.nc.isClosed(),
    'the connection was closed instead of the operation being refused',
  );
}

async function expectAuthFailure(connect, options) {
  let nc;
  try {
    nc = await connect(options);
  } catch (error) {
    assert(
      error.code === 'AUTHORIZATION_VIOLATION',
      `expected an authorization violation, got ${error.code ?? error.message}`,
    );
    return;
  }
  await nc.close();
  throw new Error('the server accepted the connection');
}

async function firstMessage(subscription) {
  const timer = setTimeout(() => subscription.unsubscribe(), 3000);
  try {
    for await (const message of subscription) return message;
    throw new Error('no message within 3 s');
  } finally {
    clearTimeout(timer);
  }
}
