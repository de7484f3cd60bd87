// Herald's consumer portal (docs/consumers.md): one page, hash routes, talking to /portal/api
// with the session cookie. Every value from the API goes into the page as text, never as HTML.
'use strict';

const state = { session: null, live: undefined };
const main = () => document.getElementById('main');

/** An element: h('p', { class: 'x' }, 'text', child, …); attributes starting with "on" are listeners. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-portal-csrf'] = state.session?.csrfToken ?? '';
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/portal/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data?.error?.message ?? `the server answered ${res.status}`);
  return data;
}

function show(...nodes) {
  const m = main();
  m.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
  m.focus();
}
const errorBox = (err) => h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err));
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
const canManage = () => state.session?.permissions === 'manage';

/** A button that runs `action`, shows its error next to it, and re-renders the route after. */
function actionButton(label, action, opts = {}) {
  const status = h('span', { class: 'status', role: 'status' });
  const button = h(
    'button',
    {
      type: 'button',
      class: opts.danger ? 'danger' : undefined,
      disabled: !opts.read && !canManage(),
      onclick: async () => {
        if (opts.confirm && !window.confirm(opts.confirm)) return;
        button.disabled = true;
        status.textContent = 'Working…';
        try {
          const r = await action();
          status.textContent = opts.done ? opts.done(r) : 'Done';
          if (opts.rerender !== false) setTimeout(route, opts.delayMs ?? 0);
        } catch (err) {
          status.replaceChildren(errorBox(err));
        } finally {
          button.disabled = !opts.read && !canManage();
        }
      },
    },
    label,
  );
  return h('span', { class: 'action' }, button, status);
}

async function endpointsPage() {
  const [list, types] = await Promise.all([api('GET', '/endpoints'), api('GET', '/event-types')]);
  const rows = list.data.map((w) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `#/endpoints/${encodeURIComponent(w.id)}` }, w.name)),
      h('td', { class: 'url' }, w.url),
      h('td', {}, w.active ? 'enabled' : `disabled${w.disabledReason ? ` (${w.disabledReason})` : ''}`),
      h('td', {}, w.eventTypes.join(', ')),
    ),
  );
  const table = rows.length
    ? h(
        'table',
        {},
        h('caption', {}, 'Your endpoints'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Name'),
            h('th', { scope: 'col' }, 'URL'),
            h('th', { scope: 'col' }, 'State'),
            h('th', { scope: 'col' }, 'Event types'),
          ),
        ),
        h('tbody', {}, rows),
      )
    : h('p', { class: 'empty' }, 'No endpoints yet.');
  show(
    h('h1', {}, 'Endpoints'),
    table,
    canManage() ? createForm(types.data) : h('p', { class: 'muted' }, 'This session can read, not change.'),
  );
}

function createForm(types) {
  const err = h('div');
  const boxes = types.map((t, i) =>
    h(
      'li',
      {},
      h('input', { type: 'checkbox', id: `type-${i}`, name: 'eventTypes', value: t.name }),
      h('label', { for: `type-${i}` }, h('code', {}, t.name), t.description ? ` — ${t.description}` : ''),
      t.schema ? h('details', {}, h('summary', {}, 'Schema'), h('pre', {}, JSON.stringify(t.schema, null, 2))) : null,
    ),
  );
  const form = h(
    'form',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(form);
        try {
          const w = await api('POST', '/endpoints', {
            name: f.get('name'),
            url: f.get('url'),
            description: f.get('description') || undefined,
            eventTypes: f.getAll('eventTypes'),
          });
          location.hash = `#/endpoints/${encodeURIComponent(w.id)}`;
        } catch (x) {
          err.replaceChildren(errorBox(x));
        }
      },
    },
    h('h2', {}, 'Add an endpoint'),
    h('label', { for: 'new-name' }, 'Name'),
    h('input', { id: 'new-name', name: 'name', required: true, maxlength: 47 }),
    h('label', { for: 'new-url' }, 'URL'),
    h('input', { id: 'new-url', name: 'url', type: 'url', required: true, placeholder: 'https://example.com/webhooks' }),
    h('label', { for: 'new-description' }, 'Description (optional)'),
    h('input', { id: 'new-description', name: 'description', maxlength: 255 }),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Event types'),
      boxes.length ? h('ul', { class: 'types' }, boxes) : h('p', { class: 'empty' }, 'No event types in the catalog yet.'),
    ),
    h('button', { type: 'submit' }, 'Add endpoint'),
    err,
  );
  return form;
}

const SNIPPETS = [
  [
    'Node.js',
    "import { Webhook } from 'standardwebhooks';\nconst wh = new Webhook(secret); // the whsec_… value\nconst event = wh.verify(rawBody, headers); // throws if the signature is wrong",
  ],
  ['Python', 'from standardwebhooks.webhooks import Webhook\nwh = Webhook(secret)\nevent = wh.verify(raw_body, headers)'],
  ['Go', 'wh, _ := standardwebhooks.NewWebhook(secret)\nerr := wh.Verify(rawBody, headers)'],
];

/** The endpoint's settings as a form: URL, description, event types, rate limit, retry policy, custom headers. */
function editForm(w, types) {
  const err = h('div');
  const policy = w.retryPolicy ?? { kind: 'window', windowMinutes: 1440 };
  const boxes = types.map((t, i) =>
    h(
      'li',
      {},
      h('input', { type: 'checkbox', id: `edit-type-${i}`, name: 'eventTypes', value: t.name, checked: w.eventTypes.includes(t.name) }),
      h('label', { for: `edit-type-${i}` }, h('code', {}, t.name)),
    ),
  );
  const form = h(
    'form',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(form);
        const headers = {};
        for (const line of String(f.get('headers') ?? '').split('\n')) {
          const at = line.indexOf(':');
          if (line.trim() && at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
        }
        const retryPolicy =
          f.get('policyKind') === 'attempts'
            ? {
                kind: 'attempts',
                maxAttempts: Number(f.get('maxAttempts')),
                intervalSeconds: Number(f.get('intervalSeconds')),
                backoff: policy.backoff ?? 'fixed',
              }
            : { kind: 'window', windowMinutes: Number(f.get('windowMinutes')) };
        try {
          await api('PATCH', `/endpoints/${encodeURIComponent(w.id)}`, {
            url: f.get('url'),
            description: f.get('description') || null,
            eventTypes: f.getAll('eventTypes'),
            rateLimitPerSecond: Number(f.get('rateLimitPerSecond')),
            retryPolicy,
            headers,
          });
          await route();
        } catch (x) {
          err.replaceChildren(errorBox(x));
        }
      },
    },
    h('label', { for: 'edit-url' }, 'URL'),
    h('input', { id: 'edit-url', name: 'url', type: 'url', required: true, value: w.url }),
    h('label', { for: 'edit-description' }, 'Description'),
    h('input', { id: 'edit-description', name: 'description', maxlength: 255, value: w.description ?? '' }),
    h('fieldset', {}, h('legend', {}, 'Event types'), h('ul', { class: 'types' }, boxes)),
    h('label', { for: 'edit-rate' }, 'Rate limit (deliveries per second)'),
    h('input', {
      id: 'edit-rate',
      name: 'rateLimitPerSecond',
      type: 'number',
      min: 1,
      max: 1000,
      required: true,
      value: w.rateLimitPerSecond,
    }),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Retry policy'),
      h('label', { for: 'edit-kind' }, 'Kind'),
      h(
        'select',
        { id: 'edit-kind', name: 'policyKind' },
        h('option', { value: 'window', selected: policy.kind === 'window' }, 'retry for a time window'),
        h('option', { value: 'attempts', selected: policy.kind === 'attempts' }, 'a number of attempts'),
      ),
      h('label', { for: 'edit-window' }, 'Window (minutes)'),
      h('input', { id: 'edit-window', name: 'windowMinutes', type: 'number', min: 0, max: 1440, value: policy.windowMinutes ?? 1440 }),
      h('label', { for: 'edit-max' }, 'Attempts'),
      h('input', { id: 'edit-max', name: 'maxAttempts', type: 'number', min: 1, max: 50, value: policy.maxAttempts ?? 3 }),
      h('label', { for: 'edit-interval' }, 'Seconds between attempts'),
      h('input', { id: 'edit-interval', name: 'intervalSeconds', type: 'number', min: 1, max: 86400, value: policy.intervalSeconds ?? 60 }),
    ),
    h('label', { for: 'edit-headers' }, 'Custom headers (one "Name: value" a line)'),
    h(
      'textarea',
      { id: 'edit-headers', name: 'headers', rows: 3 },
      Object.entries(w.headers ?? {})
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    ),
    h('button', { type: 'submit' }, 'Save'),
    err,
  );
  return form;
}

async function endpointPage(id) {
  const [w, types] = await Promise.all([api('GET', `/endpoints/${encodeURIComponent(id)}`), api('GET', '/event-types')]);
  const secretOut = h('code', { class: 'secret' }, '••••••••');
  const health = w.health ?? {};
  const deliveriesBox = h('div', {}, h('p', { class: 'muted' }, 'Loading deliveries…'));
  const reload = () => loadDeliveries(w.id, filters(), deliveriesBox);
  const statusFilter = h(
    'select',
    { id: 'status-filter', onchange: () => reload() },
    ['', 'pending', 'retrying', 'succeeded', 'failed', 'cancelled'].map((s) => h('option', { value: s }, s || 'any status')),
  );
  const typeFilter = h(
    'select',
    { id: 'type-filter', onchange: () => reload() },
    h('option', { value: '' }, 'any event type'),
    ['webhook.test', ...w.eventTypes].map((t) => h('option', { value: t }, t)),
  );
  const sinceFilter = h('input', { id: 'since-filter', type: 'datetime-local', onchange: () => reload() });
  const filters = () => ({
    status: statusFilter.value,
    eventType: typeFilter.value,
    since: sinceFilter.value ? new Date(sinceFilter.value).toISOString() : '',
  });
  const recoverSince = h('input', { id: 'recover-since', type: 'datetime-local' });
  show(
    h('p', {}, h('a', { href: '#/' }, '← Endpoints')),
    h('h1', {}, w.name),
    h(
      'dl',
      {},
      h('dt', {}, 'URL'),
      h('dd', { class: 'url' }, w.url),
      h('dt', {}, 'State'),
      h('dd', {}, w.active ? 'enabled' : `disabled${w.disabledReason ? `: ${w.disabledReason}` : ''}`),
      h('dt', {}, 'Event types'),
      h('dd', {}, w.eventTypes.join(', ')),
      h('dt', {}, 'Rate limit'),
      h('dd', {}, `${w.rateLimitPerSecond}/s`),
      h('dt', {}, 'Retry policy'),
      h('dd', {}, JSON.stringify(w.retryPolicy)),
      h('dt', {}, 'Health'),
      h(
        'dd',
        {},
        `${health.consecutiveFailures ?? 0} consecutive failures; last success ${when(health.lastSuccessAt)}; last failure ${when(health.lastFailureAt)}${health.disabledAt ? `; disabled since ${when(health.disabledAt)}` : ''}`,
      ),
    ),
    canManage() ? h('details', {}, h('summary', {}, 'Edit settings'), editForm(w, types.data)) : null,
    h(
      'section',
      { 'aria-labelledby': 'secret-h' },
      h('h2', { id: 'secret-h' }, 'Signing secret'),
      h('p', {}, secretOut, ' '),
      actionButton(
        'Reveal',
        async () => {
          secretOut.textContent = (await api('GET', `/endpoints/${encodeURIComponent(w.id)}/secret`)).secret;
        },
        { rerender: false, done: () => '' },
      ),
      actionButton('Rotate', async () => api('POST', `/endpoints/${encodeURIComponent(w.id)}/rotate-secret`, {}), {
        confirm: 'Rotate the signing secret? The old one keeps signing for its grace period.',
        rerender: false,
        done: () => 'Rotated: reveal to see the new secret',
      }),
      h(
        'details',
        {},
        h('summary', {}, 'Verify signatures'),
        SNIPPETS.map(([lang, code]) => h('div', {}, h('h3', {}, lang), h('pre', {}, code))),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'actions-h' },
      h('h2', { id: 'actions-h' }, 'Actions'),
      actionButton('Send test event', async () => api('POST', `/endpoints/${encodeURIComponent(w.id)}/test`, {}), {
        delayMs: 300,
        done: () => 'Sent',
      }),
      w.active
        ? actionButton('Disable', async () => api('PATCH', `/endpoints/${encodeURIComponent(w.id)}`, { active: false }))
        : actionButton('Enable', async () => api('POST', `/endpoints/${encodeURIComponent(w.id)}/enable`, {})),
      actionButton(
        'Delete',
        async () => {
          await api('DELETE', `/endpoints/${encodeURIComponent(w.id)}`);
          location.hash = '#/';
        },
        { danger: true, confirm: 'Delete this endpoint? Its deliveries stop.', rerender: false },
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'recover-h' },
      h('h2', { id: 'recover-h' }, 'Send failed deliveries again'),
      h('label', { for: 'recover-since' }, 'Every delivery that failed since '),
      recoverSince,
      ' ',
      actionButton(
        'Recover',
        async () => {
          if (!recoverSince.value) throw new Error('since: pick a date and time');
          return api('POST', `/endpoints/${encodeURIComponent(w.id)}/recover`, { since: new Date(recoverSince.value).toISOString() });
        },
        { rerender: false, done: () => 'Recovery started' },
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'deliveries-h' },
      h('h2', { id: 'deliveries-h' }, 'Deliveries'),
      h(
        'div',
        { class: 'filters' },
        h('label', { for: 'status-filter' }, 'Status'),
        statusFilter,
        h('label', { for: 'type-filter' }, 'Event type'),
        typeFilter,
        h('label', { for: 'since-filter' }, 'Since'),
        sinceFilter,
      ),
      actionButton('Refresh', async () => reload(), { read: true, rerender: false, done: () => '' }),
      deliveriesBox,
    ),
  );
  await reload();
  // Live: the list refreshes every 3 s while this page is shown and visible (route() stops it).
  state.live = setInterval(() => {
    if (document.visibilityState === 'visible' && !deliveriesBox.contains(document.activeElement)) reload();
  }, 3000);
}

async function loadDeliveries(endpointId, filters, box) {
  try {
    const q = new URLSearchParams({ endpointId, pageSize: '50' });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    const list = await api('GET', `/deliveries?${q}`);
    if (!list.data.length) return box.replaceChildren(h('p', { class: 'empty' }, 'No deliveries yet.'));
    box.replaceChildren(
      h(
        'table',
        { class: 'deliveries' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Event type', 'Status', 'Attempts', 'Last answer', 'Created'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          list.data.map((d) =>
            h(
              'tr',
              {},
              h('td', {}, h('a', { href: `#/deliveries/${encodeURIComponent(d.id)}` }, d.eventType)),
              h('td', { class: `st-${d.status}` }, d.position !== null ? `${d.status} (#${d.position + 1} in line)` : d.status),
              h('td', {}, d.attempts),
              h('td', {}, d.lastStatusCode ?? d.lastError ?? '–'),
              h('td', {}, when(d.createdAt)),
            ),
          ),
        ),
      ),
    );
  } catch (err) {
    box.replaceChildren(errorBox(err));
  }
}

async function deliveryPage(id) {
  const d = await api('GET', `/deliveries/${encodeURIComponent(id)}`);
  const running = d.status === 'pending' || d.status === 'retrying';
  show(
    h('p', {}, h('a', { href: `#/endpoints/${encodeURIComponent(d.webhookId)}` }, '← Endpoint')),
    h('h1', {}, `Delivery of ${d.eventType}`),
    h(
      'dl',
      {},
      h('dt', {}, 'Status'),
      h('dd', { class: `st-${d.status}` }, d.status),
      d.reason ? [h('dt', {}, 'Why'), h('dd', {}, d.reason)] : null,
      h('dt', {}, 'Next attempt'),
      h('dd', {}, when(d.nextAttemptAt)),
      h('dt', {}, 'Event'),
      h('dd', {}, h('a', { href: `#/events/${encodeURIComponent(d.eventId)}` }, d.eventId)),
    ),
    h(
      'p',
      {},
      running ? actionButton('Retry now', () => api('POST', `/deliveries/${encodeURIComponent(d.id)}/retry`, {})) : null,
      running
        ? actionButton('Cancel', () => api('POST', `/deliveries/${encodeURIComponent(d.id)}/cancel`, {}), { danger: true, delayMs: 300 })
        : null,
      running
        ? null
        : actionButton('Send again', () => api('POST', `/deliveries/${encodeURIComponent(d.id)}/replay`, {}), { delayMs: 500 }),
    ),
    h('h2', {}, 'Attempts'),
    d.attemptRecords.length
      ? h(
          'ol',
          { class: 'attempts' },
          d.attemptRecords.map((a) =>
            h(
              'li',
              {},
              h(
                'p',
                {},
                h('strong', {}, `Attempt ${a.attempt}`),
                ` · ${when(a.createdAt)} · ${a.durationMs} ms · `,
                a.responseStatusCode !== null ? `answered ${a.responseStatusCode}` : `error ${a.error?.kind}: ${a.error?.message}`,
              ),
              h('p', { class: 'url' }, a.address),
              a.requestHeaders
                ? h(
                    'details',
                    { class: 'request-headers' },
                    h('summary', {}, 'Request headers sent'),
                    h(
                      'pre',
                      {},
                      Object.entries(a.requestHeaders)
                        .map(([k, v]) => `${k}: ${v}`)
                        .join('\n'),
                    ),
                  )
                : null,
              Object.keys(a.responseHeaders).length
                ? h(
                    'details',
                    {},
                    h('summary', {}, 'Response headers'),
                    h(
                      'pre',
                      {},
                      Object.entries(a.responseHeaders)
                        .map(([k, v]) => `${k}: ${v}`)
                        .join('\n'),
                    ),
                  )
                : null,
              h('details', { open: true }, h('summary', {}, 'Response body'), h('pre', { class: 'body' }, a.responseBody || '(empty)')),
            ),
          ),
        )
      : h('p', { class: 'empty' }, 'No attempt yet.'),
  );
}

async function eventsPage() {
  const list = await api('GET', '/events');
  show(
    h('h1', {}, 'Events'),
    list.data.length
      ? h(
          'ul',
          {},
          list.data.map((e) =>
            h('li', {}, h('a', { href: `#/events/${encodeURIComponent(e.id)}` }, `${e.type} · ${e.id}`), ` · ${when(e.createdAt)}`),
          ),
        )
      : h('p', { class: 'empty' }, 'No events yet.'),
  );
}

async function eventPage(id) {
  const e = await api('GET', `/events/${encodeURIComponent(id)}`);
  show(
    h('p', {}, h('a', { href: '#/events' }, '← Events')),
    h('h1', {}, e.type),
    h('p', {}, `${e.id} · ${when(e.createdAt)}`),
    h('pre', { class: 'body' }, e.data === null ? '(payload erased)' : JSON.stringify(e.data, null, 2)),
  );
}

async function route() {
  clearInterval(state.live);
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (parts[0] === 'endpoints' && parts[1]) await endpointPage(parts[1]);
    else if (parts[0] === 'deliveries' && parts[1]) await deliveryPage(parts[1]);
    else if (parts[0] === 'events' && parts[1]) await eventPage(parts[1]);
    else if (parts[0] === 'events') await eventsPage();
    else await endpointsPage();
  } catch (err) {
    show(h('h1', {}, 'Something went wrong'), errorBox(err));
  }
}

async function start() {
  try {
    state.session = await api('GET', '/session');
  } catch (err) {
    show(h('h1', {}, 'Signed out'), errorBox(err), h('p', {}, 'Open the portal again from the application that sent you here.'));
    return;
  }
  const { consumer, theme } = state.session;
  document.getElementById('consumer').textContent = `Webhooks · ${consumer.name}`;
  if (theme?.primaryColor) document.documentElement.style.setProperty('--primary', theme.primaryColor);
  if (theme?.mode === 'dark') document.documentElement.classList.add('dark');
  if (theme?.logoUrl) document.getElementById('consumer').prepend(h('img', { src: theme.logoUrl, alt: '', class: 'logo' }));
  window.addEventListener('hashchange', route);
  await route();
}

start();
