import { controlPlaneUrl, sameControlPlane } from './control-plane-url.js';

describe('controlPlaneUrl', () => {
  it('accepts https anywhere and http on loopback; the path ends with /', () => {
    expect(controlPlaneUrl('https://weft.example.com').href).toBe('https://weft.example.com/');
    expect(controlPlaneUrl('https://example.com/weft').href).toBe('https://example.com/weft/');
    expect(controlPlaneUrl('http://127.0.0.1:8443').href).toBe('http://127.0.0.1:8443/');
    expect(controlPlaneUrl('http://localhost:3000/').href).toBe('http://localhost:3000/');
    expect(controlPlaneUrl('http://[::1]:3000').href).toBe('http://[::1]:3000/');
  });

  it.each([
    ['weft.example.com', 'not a URL'],
    ['ftp://weft.example.com', 'must be an https URL'],
    ['http://weft.example.com', 'plain http is accepted only for a loopback host'],
    ['http://10.0.0.5:3000', 'plain http is accepted only for a loopback host'],
    ['https://user:pw@weft.example.com', 'must not carry a user name or password'],
    ['https://weft.example.com/?org=1', 'must not carry a query or a fragment'],
  ])('refuses %s', (text, message) => {
    expect(() => controlPlaneUrl(text)).toThrow(message);
  });

  it('the same control plane: same origin and path, however written', () => {
    expect(
      sameControlPlane(
        controlPlaneUrl('https://Weft.example.com:443'),
        controlPlaneUrl('https://weft.example.com/'),
      ),
    ).toBe(true);
    expect(
      sameControlPlane(
        controlPlaneUrl('https://weft.example.com'),
        controlPlaneUrl('https://weft.example.com/other'),
      ),
    ).toBe(false);
    expect(
      sameControlPlane(
        controlPlaneUrl('https://weft.example.com'),
        controlPlaneUrl('https://weft.example.com:8443'),
      ),
    ).toBe(false);
  });
});
