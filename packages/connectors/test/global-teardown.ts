import { globalTeardown } from '@weft/testing';

export default async function teardown(): Promise<void> {
  await globalTeardown();
}
