import http from 'node:http';
import { useExampleApp } from '../support/http-app.js';
import { TestSigner } from '../support/test-signer.js';
import { TEST_SECRET } from '../support/token-tracking-app.js';

function raw(baseUrl: string, method: string, path: string, token?: string): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('probe', () => {
  const fx = useExampleApp({ tokenTracking: { signing: { algorithm: 'HS256', secret: TEST_SECRET } } });
  it('probes', async () => {
    const alice = await fx.running.login('alice');
    const admin = await fx.running.login('admin');
    const paths = [
      ['GET', '/auth/sessions?limit[]=1'],
      ['GET', '/auth/sessions?limit=1&limit=2'],
      ['GET', '/auth/sessions?offset=9007199254740991'],
      ['GET', '/auth/sessions?offset=9999999999999999'],
      ['DELETE', '/auth/sessions/%C3%28'],
      ['DELETE', '/auth/sessions/%ED%A0%80'],
      ['DELETE', '/auth/sessions/%00'],
      ['DELETE', '/auth/sessions/%'],
      ['GET', '/admin/sessions/users/%C3%28'],
      ['GET', '/admin/sessions/users/%ED%A0%80'],
      ['GET', '/admin/sessions/users/%F0%9F%98%80'],
      ['GET', '/admin/sessions/users/' + 'a'.repeat(300)],
      ['GET', '/admin/sessions/users/' + '%F0%9F%98%80'.repeat(200)],
      ['GET', '/admin/sessions/users/x?limit=abc'],
      ['GET', '/admin/sessions/users/x?__proto__[limit]=1'],
      ['GET', '/admin/sessions/users/x?limit=%E0'],
      ['DELETE', '/admin/sessions/%C3%28'],
      ['DELETE', '/admin/sessions/users/%2e%2e'],
      ['DELETE', '/admin/sessions/..'],
    ];
    for (const [m, p] of paths) {
      for (const t of [alice, admin]) {
        const r = await raw(fx.running.baseUrl, m!, p!, t);
        console.log(m, p.slice(0, 80), r.status, r.body.slice(0, 200));
      }
    }
  });
});
