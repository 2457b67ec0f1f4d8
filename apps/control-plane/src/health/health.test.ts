import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { AppModule } from '../app.module.js';
describe('health', () => {
  it('works', async () => {
    const mod = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = mod.createNestApplication();
    await app.init(); await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const res = await fetch(url.replace('[::1]','127.0.0.1') + '/health');
    expect(await res.json()).toEqual({ status: 'ok', s: 'weft.a.b' });
    await app.close();
  });
});
