// petmail's web page. It talks only to its own agent, through the same
// /v1 API as petmail(1). Every string that comes from the agent (and so,
// maybe, from a contact) is put on the page as text (textContent), never
// markup. No inline script or style: the server's CSP forbids both.
'use strict';

(function () {
  const CSRF_KEY = 'petmail-csrf';
  const S = {
    csrf: null,
    contacts: [],
    current: null,        // petname of the open conversation
    messages: new Map(),  // id -> message of the open conversation
    unread: new Set(),    // petnames with news
    invite: null,         // the invitation this page made, {id, ...}
    accept: null,         // the code this page accepted, {id, ...}
    ended: false,
  };

  const $ = (id) => document.getElementById(id);

  // el("p", {class: "x", text: "hello"}, child...): text, never markup.
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  function sentence(s) {
    s = String(s || '');
    return s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
  }

  function showError(msg) {
    $('alert-text').textContent = sentence(msg);
    $('alert').hidden = false;
  }
  function clearError() { $('alert').hidden = true; }

  class ApiError extends Error {
    constructor(msg, status) { super(msg); this.status = status; }
  }

  async function api(method, path, body) {
    const opts = {
      method,
      headers: { 'X-CSRF-Token': S.csrf },
      cache: 'no-store',
      credentials: 'same-origin',
    };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, opts);
    } catch (e) {
      throw new ApiError('the agent does not answer: is it still running? ' +
        '(petmail status)', 0);
    }
    if (r.status === 401) {
      sessionEnded();
      throw new ApiError('the session has ended: run petmail open again', 401);
    }
    let j = null;
    try { j = await r.json(); } catch (e) { j = null; }
    if (!r.ok) {
      throw new ApiError(j && typeof j.error === 'string' ? j.error :
        'the agent refused the request (HTTP ' + r.status + ')', r.status);
    }
    return j;
  }

  // Run an action from a button or form, showing its error if it fails.
  async function act(fn) {
    try {
      clearError();
      await fn();
    } catch (e) {
      if (e.status !== 401) showError(e.message);
    }
  }

  function sessionEnded() {
    if (S.ended) return;
    S.ended = true;
    sessionStorage.removeItem(CSRF_KEY);
    showStart('This session has ended (the agent restarted, or the ' +
      'session is too old).');
  }

  function showStart(text) {
    for (const p of document.querySelectorAll('.page')) p.hidden = true;
    $('page-start').hidden = false;
    $('start-text').textContent = text;
    document.querySelector('header nav').hidden = true;
    $('live').textContent = 'not connected';
  }

  // Pages, by the address's fragment.
  const PAGES = ['status', 'contacts', 'conversations'];
  function route() {
    if (S.ended || !S.csrf) return;
    let name = location.hash.slice(1);
    if (!PAGES.includes(name)) name = 'status';
    for (const p of PAGES) {
      $('page-' + p).hidden = p !== name;
      const link = $('nav-' + p);
      if (p === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    $('page-start').hidden = true;
    document.title = 'petmail: ' + name;
    if (name === 'conversations') renderChatList();
  }

  // Status.
  function renderStatus(st) {
    const tor = st.tor || {};
    const pct = Number.isInteger(tor.bootstrap) ? tor.bootstrap : 0;
    $('tor-progress').value = pct;
    $('tor-percent').textContent = pct + '%';
    $('tor-summary').textContent = tor.summary || tor.state || '';
    $('tor-error').textContent = tor.error ? 'Problem: ' + tor.error : '';
    $('address').textContent = st.address || 'none yet';
    $('published').textContent = st.published ? '(published)' :
      '(not yet published)';
    $('outbox').textContent = st.outbox === 0 ? 'empty' :
      st.outbox + ' message' + (st.outbox === 1 ? '' : 's') +
      ' waiting for delivery';
    $('contact-count').textContent = String(st.contacts);
    $('agent').textContent = 'petmaild ' + st.version + ', pid ' + st.pid +
      ', in ' + st.dir;
    $('summary').textContent = 'Tor ' + pct + '% · ' +
      (st.published ? 'address published' : 'address not yet published') +
      ' · outbox ' + st.outbox;
  }

  async function refreshStatus() {
    renderStatus(await api('GET', '/v1/status'));
  }

  // Contacts.
  function contactRow(c) {
    const tr = el('tr', { 'data-petname': c.petname });
    tr.append(el('th', { scope: 'row', text: c.petname }));
    tr.append(el('td', {},
      el('span', { class: 'badge ' + c.state, text: c.state })));
    tr.append(el('td', { class: 'words', text: c.verification || '—' }));
    const cell = el('td', { class: 'actions' });
    const rename = el('button', { type: 'button', text: 'Rename',
      'aria-label': 'Rename ' + c.petname });
    const remove = el('button', { type: 'button', text: 'Remove',
      'aria-label': 'Remove ' + c.petname });
    rename.addEventListener('click', () => renameForm(cell, c.petname));
    remove.addEventListener('click', () => removeConfirm(cell, c.petname));
    cell.append(rename, ' ', remove);
    tr.append(cell);
    return tr;
  }

  function renameForm(cell, petname) {
    const id = 'rename-' + Math.random().toString(36).slice(2);
    const input = el('input', { id, value: petname, autocomplete: 'off',
      spellcheck: 'false', maxlength: '64' });
    const form = el('form', { class: 'inline', novalidate: '' },
      el('label', { for: id, text: 'New name for ' + petname }), input,
      el('button', { type: 'submit', text: 'Save' }),
      el('button', { type: 'button', text: 'Cancel',
        onclick: () => renderContacts() }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(async () => {
        await api('POST', '/v1/contacts/rename',
          { petname, new: input.value.trim() });
        if (S.current === petname) S.current = input.value.trim();
        await refreshContacts();
      });
    });
    cell.replaceChildren(form);
    input.focus();
    input.select();
  }

  function removeConfirm(cell, petname) {
    const yes = el('button', { type: 'button', class: 'danger',
      text: 'Remove ' + petname + ' and all your messages with them' });
    const no = el('button', { type: 'button', text: 'Keep',
      onclick: () => renderContacts() });
    yes.addEventListener('click', () => act(async () => {
      await api('POST', '/v1/contacts/remove', { petname });
      if (S.current === petname) S.current = null;
      await refreshContacts();
    }));
    cell.replaceChildren(yes, ' ', no);
    no.focus();
  }

  function renderContacts() {
    const body = $('contacts-body');
    body.replaceChildren(...S.contacts.map(contactRow));
    $('contacts-table').hidden = S.contacts.length === 0;
    $('contacts-empty').hidden = S.contacts.length !== 0;
    renderChatList();
  }

  async function refreshContacts() {
    S.contacts = await api('GET', '/v1/contacts');
    renderContacts();
  }

  function expiresText(t) {
    return 'It works once, until ' + new Date(t * 1000).toLocaleString() + '.';
  }

  async function showQr(id) {
    const img = $('invite-qr');
    const r = await fetch('/v1/invitations/' + id + '/qr.svg',
      { headers: { 'X-CSRF-Token': S.csrf }, cache: 'no-store' });
    if (!r.ok) return;
    if (img.src) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(await r.blob());
    img.hidden = false;
  }

  function hideInviteCode() {
    const img = $('invite-qr');
    if (img.src) URL.revokeObjectURL(img.src);
    img.removeAttribute('src');
    img.hidden = true;
    $('invite-code').textContent = '';
    $('invite-result').hidden = true;
  }

  function invitationState(iv, where) {
    const who = iv.petname;
    if (iv.state === 'done' && iv.contact) {
      // Names and words exactly as they are: no capital, no full stop.
      where.textContent = iv.contact.petname + ' is now your contact. ' +
        'Verification words: ' + iv.contact.verification;
    } else if (iv.state === 'failed') {
      where.textContent = sentence('The introduction failed: ' + iv.error);
    } else if (iv.state === 'exchanging') {
      where.textContent = 'Introducing you to ' + who + '…';
    } else {
      where.textContent = where === $('invite-state') ?
        'Waiting for ' + who + ' to accept…' : 'Reaching ' + who + '…';
    }
    where.dataset.state = iv.state;
  }

  function onInvitation(iv) {
    if (S.invite && iv.id === S.invite.id) {
      invitationState(iv, $('invite-state'));
      if (iv.state === 'done' || iv.state === 'failed') hideInviteCode();
    }
    if (S.accept && iv.id === S.accept.id)
      invitationState(iv, $('accept-state'));
  }

  $('invite-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = $('invite-name').value.trim();
    const button = ev.target.querySelector('button');
    act(async () => {
      hideInviteCode();
      $('invite-state').textContent = 'Making a code…';
      button.disabled = true;
      try {
        const body = { direct: $('invite-direct').checked };
        if (name) body.petname = name;
        const iv = await api('POST', '/v1/invite', body);
        S.invite = iv;
        $('invite-for').textContent = iv.petname;
        $('invite-code').textContent = iv.code;
        $('invite-expires').textContent = expiresText(iv.expires);
        $('invite-result').hidden = false;
        invitationState(iv, $('invite-state'));
        if (iv.direct) await showQr(iv.id);
        await refreshContacts();
      } catch (e) {
        $('invite-state').textContent = '';
        throw e;
      } finally {
        button.disabled = false;
      }
    });
  });

  $('accept-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = $('accept-code').value.trim();
    const name = $('accept-name').value.trim();
    act(async () => {
      if (!code) throw new ApiError('type the code you were given first', 400);
      const body = { code };
      if (name) body.petname = name;
      const iv = await api('POST', '/v1/accept', body);
      S.accept = iv;
      $('accept-code').value = '';
      $('accept-name').value = '';
      invitationState(iv, $('accept-state'));
      await refreshContacts();
    });
  });

  // Conversations.
  function renderChatList() {
    const ready = S.contacts.filter((c) => c.state === 'ready');
    $('chat-empty').hidden = ready.length !== 0;
    $('chat-list').replaceChildren(...ready.map((c) => {
      const b = el('button', { type: 'button', class: 'contact',
        text: c.petname });
      if (S.unread.has(c.petname)) {
        b.append(el('span', { class: 'unread', text: ' (new)' }));
      }
      if (c.petname === S.current) b.setAttribute('aria-current', 'true');
      b.addEventListener('click', () => act(() => openChat(c.petname)));
      return el('li', {}, b);
    }));
    if (S.current && !ready.some((c) => c.petname === S.current)) {
      S.current = null;
      renderThread();
    }
  }

  function stateText(m) {
    if (m.direction === 'in') return 'received';
    if (m.state === 'failed') return 'failed' + (m.error ? ': ' + m.error : '');
    if (m.state === 'queued') return 'waiting';
    return m.state;
  }

  function messageItem(m) {
    const when = new Date(m.created * 1000);
    const li = el('li', { class: 'msg ' + m.direction, 'data-id': String(m.id),
      'data-state': m.state });
    li.append(el('p', { class: 'meta' },
      el('span', { class: 'who', text: m.direction === 'in' ? m.contact : 'You' }),
      ' · ',
      el('time', { datetime: when.toISOString(), text: when.toLocaleString() }),
      ' · ',
      el('span', { class: 'state', text: stateText(m) })));
    li.append(el('p', { class: 'body', text: m.body }));
    const del = el('button', { type: 'button', class: 'delete', text: 'Delete',
      'aria-label': 'Delete this message' });
    del.addEventListener('click', () => act(async () => {
      await api('POST', '/v1/messages/delete', { id: m.id });
      S.messages.delete(m.id);
      renderThread();
      $('send-text').focus();
    }));
    li.append(del);
    return li;
  }

  function renderThread() {
    const list = $('messages');
    const near = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    if (!S.current) {
      $('chat-title').textContent = 'Choose a contact';
      list.replaceChildren();
      $('send-form').hidden = true;
      return;
    }
    $('chat-title').textContent = 'With ' + S.current;
    $('send-to').textContent = S.current;
    $('send-form').hidden = false;
    const ms = [...S.messages.values()].sort((a, b) =>
      a.created - b.created || a.id - b.id);
    list.replaceChildren(...ms.map(messageItem));
    if (near) list.scrollTop = list.scrollHeight;
  }

  // Delivered and failed are final. A copy of a message can come later
  // than a newer one: the answer to a send or a listing travels on its
  // own connection, beside the event stream, and may be overtaken by
  // the event that says the message was delivered.
  function isFinal(m) { return m.state === 'delivered' || m.state === 'failed'; }
  function newer(old, m) { return !(old && isFinal(old) && !isFinal(m)); }

  async function openChat(petname) {
    S.current = petname;
    S.unread.delete(petname);
    const ms = await api('GET', '/v1/messages?contact=' +
      encodeURIComponent(petname));
    if (S.current !== petname) return;
    const known = S.messages;
    S.messages = new Map(ms.map((m) => {
      const old = known.get(m.id);
      return [m.id, newer(old, m) ? m : old];
    }));
    renderChatList();
    renderThread();
    const list = $('messages');
    list.scrollTop = list.scrollHeight;
  }

  function onMessage(m) {
    if (m.contact === S.current) {
      if (!newer(S.messages.get(m.id), m)) return;
      S.messages.set(m.id, m);
      renderThread();
    } else if (m.direction === 'in') {
      S.unread.add(m.contact);
      renderChatList();
    }
  }

  function send() {
    const text = $('send-text').value;
    const to = S.current;
    act(async () => {
      if (!text.trim()) throw new ApiError('write something first', 400);
      const m = await api('POST', '/v1/send', { petname: to, text });
      $('send-text').value = '';
      onMessage(m);
      await refreshStatus();
    });
  }
  $('send-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    send();
  });
  $('send-text').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      send();
    }
  });

  $('alert-close').addEventListener('click', clearError);

  // Live: the agent's server-sent events, read with fetch so that the
  // request carries the session's token like every other one.
  function onEvent(type, data) {
    switch (type) {
    case 'status': renderStatus(data); break;
    case 'tor': case 'bootstrap': case 'published':
      refreshStatus().catch(() => {});
      break;
    case 'message':
      onMessage(data);
      refreshStatus().catch(() => {});
      break;
    case 'deleted':
      if (S.current) openChat(S.current).catch(() => {});
      break;
    case 'invitation':
      onInvitation(data);
      refreshContacts().catch(() => {});
      break;
    case 'contact': case 'contacts':
      refreshContacts().catch(() => {});
      refreshStatus().catch(() => {});
      break;
    default: break;
    }
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function followEvents() {
    while (!S.ended) {
      try {
        const r = await fetch('/v1/events', { cache: 'no-store',
          headers: { 'X-CSRF-Token': S.csrf } });
        if (r.status === 401) { sessionEnded(); return; }
        if (!r.ok || !r.body) throw new Error('HTTP ' + r.status);
        $('live').textContent = 'live';
        $('live').className = 'on';
        const reader = r.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          if (buf.length > 4 * 1024 * 1024) break;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let type = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) type = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (!data) continue;
            let j;
            try { j = JSON.parse(data); } catch (e) { continue; }
            onEvent(type, j);
          }
        }
      } catch (e) {
        // the agent went away or the stream broke: try again below
      }
      if (S.ended) return;
      $('live').textContent = 'reconnecting…';
      $('live').className = 'off';
      await sleep(2000);
      // Catch up with what happened while we were away.
      refreshAll().catch(() => {});
    }
  }

  async function refreshAll() {
    await Promise.all([refreshStatus(), refreshContacts()]);
    if (S.current) await openChat(S.current);
  }

  // Trade the one-time token of the address for a session, and take the
  // token out of the address bar and the history at once.
  async function start() {
    const m = /^#t=([A-Za-z0-9_-]{43})$/.exec(location.hash);
    if (m) {
      history.replaceState(null, '', '/#status');
      let r, j = null;
      try {
        r = await fetch('/v1/ui/session', { method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ token: m[1] }), cache: 'no-store' });
        j = await r.json();
      } catch (e) {
        showStart('The agent does not answer: is it running?');
        return;
      }
      if (!r.ok || !j || typeof j.csrf !== 'string') {
        showStart(sentence(j && j.error ? j.error :
          'the agent refused this link'));
        return;
      }
      sessionStorage.setItem(CSRF_KEY, j.csrf);
    }
    S.csrf = sessionStorage.getItem(CSRF_KEY);
    if (!S.csrf) {
      showStart('This page needs a session.');
      return;
    }
    window.addEventListener('hashchange', route);
    route();
    try {
      await refreshAll();
    } catch (e) {
      if (e.status !== 401) showError(e.message);
    }
    followEvents();
  }

  start();
}());
