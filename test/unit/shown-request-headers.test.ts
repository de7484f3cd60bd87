import { describe, expect, it } from 'vitest';
import { shownRequestHeaders } from '../../src/delivery/shown-request-headers.js';

describe('request headers as an attempt record shows them', () => {
  it('keeps the standard values, masks every signature and every custom value, and shows the auth scheme alone', () => {
    const shown = shownRequestHeaders(
      {
        'content-type': 'application/json',
        'user-agent': 'Herald-Webhooks/1.0',
        'webhook-id': 'msg_1',
        'webhook-timestamp': '1700000000',
        'webhook-signature': 'v1,abc= v1,def=',
        'X-Api-Key': 'customer-secret',
        Authorization: 'Bearer custom-token',
      },
      'Bearer',
    );
    expect(shown).toEqual({
      'content-type': 'application/json',
      'user-agent': 'Herald-Webhooks/1.0',
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': 'v1,*** v1,***',
      'X-Api-Key': '***',
      authorization: 'Bearer ***',
    });
    expect(JSON.stringify(shown)).not.toMatch(/abc=|def=|customer-secret|custom-token/);
  });

  it('masks a custom Authorization header when no receiver auth sets one', () => {
    expect(shownRequestHeaders({ Authorization: 'Token t' }, null)).toEqual({ Authorization: '***' });
  });
});
