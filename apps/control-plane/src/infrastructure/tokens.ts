/** Injection tokens for the connections the control plane opens at boot. */
export const NATS_CONNECTION = Symbol.for('weft.control-plane.nats');
export const S3_CLIENT = Symbol.for('weft.control-plane.s3');
