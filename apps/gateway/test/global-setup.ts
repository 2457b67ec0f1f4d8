import { createGlobalSetup } from '@weft/testing';

export default createGlobalSetup({ nats: true });
