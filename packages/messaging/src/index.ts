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
  runAckWildcard,
  runConsumerConfig,
  runConsumerName,
  runPullSubject,
  runStreamConfig,
  RUN_STREAM,
} from './run-queue.js';
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
