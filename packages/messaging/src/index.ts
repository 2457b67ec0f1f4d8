export { MessagingError, MESSAGING_ERROR_CODES, type MessagingErrorCode } from './errors.js';
export {
  assertSubjectToken,
  buildSubject,
  groupWildcard,
  isSubjectKind,
  MAX_SUBJECT_TOKEN_LENGTH,
  parseSubject,
  subjectWildcard,
  SUBJECT_KINDS,
  SUBJECT_ROOT,
  type AgentGroupAddress,
  type SubjectKind,
  type SubjectParts,
} from './subjects.js';
export {
  DEFAULT_RUN_ACK_WAIT_MS,
  eventConsumerConfig,
  eventStreamConfig,
  EVENT_CONSUMER,
  EVENT_STREAM,
  runAckWildcard,
  runConsumerConfig,
  runConsumerName,
  runPullSubject,
  runStreamConfig,
  RUN_DUPLICATE_WINDOW_MS,
  RUN_STREAM,
  type RunConsumerOptions,
  type RunQueueAddress,
} from './run-queue.js';
export {
  AGENT_SERVICE_QUEUE,
  AGENT_SERVICE_ROOT,
  AGENT_SERVICE_SUBJECTS,
  type AgentIdentity,
  type AgentServiceReply,
  type SealedRunSecret,
} from './agent-service.js';
export {
  createEnvelope,
  decodeEnvelope,
  DEFAULT_MAX_ENVELOPE_BYTES,
  encodeEnvelope,
  ENVELOPE_VERSION,
  type Envelope,
  type EnvelopeInput,
  type EnvelopeLimits,
} from './envelope.js';
export {
  connectNats,
  natsHealth,
  type ConnectNatsOptions,
  type MessagingLogger,
  type NatsHealth,
} from './connection.js';
export { redactNatsUrl } from './nats-urls.js';
