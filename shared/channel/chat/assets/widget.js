/*
 * Switchboard web chat widget.
 *
 * Embed with:
 *   <script src="https://API_BASE/chat/widget.js" async
 *           data-title="Acme support"
 *           data-name="Jane Doe" data-email="jane@example.com"
 *           data-user-id="user-42" data-user-hash="<hex HMAC-SHA256 of user-id>"></script>
 *
 * All data attributes are optional. data-api overrides the API base, which
 * otherwise is the script's own URL with "/chat/widget.js" removed.
 *
 * Plain ES2017, no dependencies, no external assets. The only global is
 * window.Switchboard = { open(), close() }.
 *
 * Wire contract (see the server's chat channel):
 *   POST {base}/chat/messages   JSON {visitor_id, message_id, text, name?, email?, user_id?, user_hash?}
 *        -> 201 {conversation_id, message: {id, direction, author, name, text, created_at}}
 *        -> 4xx {error: "reason"}
 *   GET  {base}/chat/messages?visitor_id=..[&after=cursor][&user_id=..&user_hash=..]
 *        -> 200 {conversation_id, messages: [...], cursor}
 *        A message with survey {interaction, options: [{score, label}], comment_prompt, send, thanks}
 *        is a rating request: its text is the question.
 *   POST {base}/chat/rating     JSON {visitor_id, conversation_id, interaction, score, comment?, user_id?, user_hash?}
 *        -> 200 {rated}; 410 when the rating is closed; 4xx {error: "reason"}
 */
(() => {
  'use strict';

  if (window.Switchboard && window.Switchboard.version) return; // already loaded once

  const VISITOR_KEY = 'switchboard.visitor_id';
  const READ_KEY = 'switchboard.last_read';
  const FAST_POLL_MS = 1000;
  const SLOW_POLL_MS = 5000;
  const MAX_POLL_BACKOFF_MS = 30000;
  const IDLE_AFTER_MS = 5 * 60 * 1000; // no activity for this long => "idle"
  const SEND_RETRY_DELAYS_MS = [1000, 2000, 4000]; // 3 retries after the first attempt
  const REQUEST_TIMEOUT_MS = 15000;
  const ID_RE = /^[A-Za-z0-9_-]{22}$/;
  const RATING_KEY = 'switchboard.rating.'; // + conversation id + '.' + interaction -> score
  const MAX_COMMENT = 1000;

  // ---------------------------------------------------------------- config

  const script = document.currentScript ||
    Array.from(document.querySelectorAll('script[src]'))
      .reverse()
      .find((s) => /\/chat\/widget\.js(?:[?#]|$)/.test(s.src)) ||
    null;
  const ds = (script && script.dataset) || {};
  const attr = (v) => (typeof v === 'string' ? v.trim() : '');

  function computeBase() {
    try {
      if (attr(ds.api)) {
        const u = new URL(attr(ds.api), location.href);
        return (u.origin + u.pathname).replace(/\/+$/, '');
      }
      if (script && script.src) {
        const u = new URL(script.src, location.href);
        return u.origin + u.pathname.replace(/\/chat\/widget\.js$/, '').replace(/\/+$/, '');
      }
    } catch (_) { /* fall through */ }
    return location.origin;
  }

  const cfg = {
    base: computeBase(),
    title: attr(ds.title) || 'Chat with us',
    name: attr(ds.name),
    email: attr(ds.email),
    userId: attr(ds.userId),
    userHash: attr(ds.userHash),
  };
  const messagesURL = cfg.base + '/chat/messages';
  const ratingURL = cfg.base + '/chat/rating';

  // ---------------------------------------------------------------- storage & ids

  const memoryStore = {};
  const store = {
    get(k) {
      try { return window.localStorage.getItem(k); } catch (_) { return memoryStore[k] || null; }
    },
    set(k, v) {
      try { window.localStorage.setItem(k, v); } catch (_) { memoryStore[k] = v; }
    },
  };

  // 16 random bytes, base64url without padding: 22 characters.
  function randomId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    let bin = '';
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function visitorId() {
    let id = store.get(VISITOR_KEY);
    if (!id || !ID_RE.test(id)) {
      id = randomId();
      store.set(VISITOR_KEY, id);
    }
    return id;
  }
  const VISITOR_ID = visitorId();

  // ---------------------------------------------------------------- network

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // Resolves to {ok, status, data}; rejects only on network failure/timeout.
  async function request(method, url, body) {
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctrl ? setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS) : 0;
    try {
      const init = {
        method,
        mode: 'cors',
        credentials: 'omit',
        cache: 'no-store',
        signal: ctrl ? ctrl.signal : undefined,
      };
      if (body !== undefined) {
        init.headers = { 'Content-Type': 'application/json' };
        init.body = JSON.stringify(body);
      }
      const res = await fetch(url, init);
      let data = null;
      try { data = await res.json(); } catch (_) { data = null; }
      return { ok: res.ok, status: res.status, data };
    } finally {
      clearTimeout(timer);
    }
  }

  function errorReason(res) {
    if (res && res.data && typeof res.data.error === 'string' && res.data.error) return res.data.error;
    if (res && res.status) return 'error ' + res.status;
    return 'network error';
  }

  // ---------------------------------------------------------------- state

  const state = {
    open: false,
    conversationId: '',
    cursor: '',           // exactly as returned by the server; '' = not yet known
    firstPollDone: false,
    pollFailures: 0,
    polling: false,
    pollTimer: 0,
    lastActivity: 0,
    unread: 0,
    latestTs: 0,          // newest created_at (ms) among rendered messages
    readAt: Number(store.get(READ_KEY)) || 0,
    hadReadMarker: store.get(READ_KEY) !== null,
    name: cfg.name,
    email: cfg.email,
  };
  const seen = new Set();   // every message id ever shown (server or local)
  const nodes = new Map();  // id -> entry {id, el, msg, pending, body, sendState}
  const sendQueue = [];
  let sending = false;

  const isCustomer = (m) => (m.author ? m.author === 'customer' : m.direction === 'in');
  const touch = () => { state.lastActivity = Date.now(); };

  // ---------------------------------------------------------------- DOM helpers

  function h(tag, props, children) {
    const el = document.createElement(tag);
    if (props) {
      for (const k of Object.keys(props)) {
        const v = props[k];
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children || []) if (c) el.appendChild(c);
    return el;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function icon(pathD) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '24');
    svg.setAttribute('height', '24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', pathD);
    p.setAttribute('fill', 'currentColor');
    svg.appendChild(p);
    return svg;
  }
  const ICON_CHAT = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z';
  const ICON_CLOSE = 'M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z';
  const ICON_SEND = 'M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z';

  const CSS = `
:host { all: initial; }
*, *::before, *::after { box-sizing: border-box; }
.root {
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1a1d23;
  -webkit-font-smoothing: antialiased;
}
[hidden] { display: none !important; }
.sr {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
button { font: inherit; }
button:focus-visible, textarea:focus-visible, input:focus-visible, .log:focus-visible {
  outline: 3px solid #f5a524; outline-offset: 2px;
}
.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  width: 58px; height: 58px; border-radius: 50%; border: 0; padding: 0;
  display: flex; align-items: center; justify-content: center;
  background: #2350c8; color: #fff; cursor: pointer;
  box-shadow: 0 6px 20px rgba(16, 24, 40, .28);
}
.launcher:hover { background: #1c42a8; }
.launcher svg { width: 28px; height: 28px; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; border: 2px solid #fff; background: #c4281c; color: #fff;
  font-size: 12px; font-weight: 700; line-height: 18px; text-align: center;
}
.panel {
  position: fixed; right: 20px; bottom: 90px; z-index: 2147483001;
  width: 370px; height: 580px; max-height: calc(100vh - 110px);
  display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border-radius: 14px; border: 1px solid #d5d9e0;
  box-shadow: 0 14px 44px rgba(16, 24, 40, .30);
}
.head {
  display: flex; align-items: center; gap: 8px;
  padding: 10px 8px 10px 16px; background: #2350c8; color: #fff;
}
.head h2 {
  flex: 1; margin: 0; font-size: 16px; font-weight: 600; line-height: 1.3;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
}
.close {
  width: 40px; height: 40px; border: 0; border-radius: 8px; padding: 0;
  display: flex; align-items: center; justify-content: center;
  background: transparent; color: #fff; cursor: pointer;
}
.close:hover { background: rgba(255, 255, 255, .16); }
.close:focus-visible { outline-color: #fff; outline-offset: -3px; }
.log {
  flex: 1; overflow-y: auto; overscroll-behavior: contain;
  display: flex; flex-direction: column; gap: 12px;
  padding: 16px 14px; background: #f5f6f8;
}
.empty { margin: auto 8px; text-align: center; color: #4f5766; font-size: 14px; }
.msg { display: flex; flex-direction: column; align-items: flex-start; max-width: 85%; align-self: flex-start; }
.msg.customer { align-self: flex-end; align-items: flex-end; }
.meta { margin: 0 4px 3px; font-size: 12px; color: #4f5766; }
.meta .author { font-weight: 600; color: #262b33; }
.meta time { margin-left: 6px; }
.customer .meta time { margin-left: 0; }
.bubble {
  white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word;
  padding: 8px 12px; border-radius: 16px; border: 1px solid #d9dde4;
  background: #fff; color: #1a1d23;
}
.agent .bubble { border-bottom-left-radius: 4px; }
.customer .bubble { background: #2350c8; border-color: #2350c8; color: #fff; border-bottom-right-radius: 4px; }
.customer.pending .bubble { background: #5a7bd6; border-color: #5a7bd6; }
.customer.failed .bubble { background: #fff; color: #1a1d23; border: 1px dashed #b3261e; }
.note { margin: 3px 4px 0; font-size: 12px; color: #4f5766; }
.note.error { color: #b3261e; }
.note button {
  padding: 0; border: 0; background: none; cursor: pointer;
  color: #1c42a8; font-weight: 600; text-decoration: underline;
}
.status { padding: 4px 14px; font-size: 12px; color: #7a4a00; background: #fff6e0; border-top: 1px solid #f0dca8; }
.compose { border-top: 1px solid #e1e4e9; padding: 10px; background: #fff; }
.who { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin-bottom: 8px; }
.who label { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: #4f5766; }
.row { display: flex; align-items: flex-end; gap: 8px; }
input, textarea {
  width: 100%; margin: 0; font: inherit; color: #1a1d23; background: #fff;
  border: 1px solid #aeb5c0; border-radius: 8px; padding: 7px 10px;
}
input::placeholder, textarea::placeholder { color: #6b7280; }
textarea { flex: 1; resize: none; min-height: 40px; max-height: 140px; overflow-y: auto; line-height: 1.4; }
.send {
  flex: none; height: 40px; padding: 0 14px; border: 0; border-radius: 8px;
  display: flex; align-items: center; gap: 6px;
  background: #2350c8; color: #fff; font-weight: 600; cursor: pointer;
}
.send:hover { background: #1c42a8; }
.send svg { width: 18px; height: 18px; }
@media (max-width: 480px) {
  .panel {
    top: 0; right: 0; bottom: 0; left: 0; width: 100%; height: 100%; max-height: none;
    border-radius: 0; border: 0;
  }
  .launcher { right: 16px; bottom: 16px; }
  input, textarea { font-size: 16px; } /* avoids zoom-on-focus in iOS Safari */
  .who { grid-template-columns: 1fr; }
}
.rating { display: flex; flex-direction: column; align-items: flex-start; gap: 8px; margin: 8px 4px 0; }
.scores { display: flex; gap: 6px; }
.score {
  width: 40px; height: 40px; padding: 0; border: 1px solid #aeb5c0; border-radius: 8px;
  background: #fff; color: #1a1d23; font-weight: 600; cursor: pointer;
}
.score:hover { border-color: #2350c8; }
.score[aria-pressed="true"] { background: #2350c8; border-color: #2350c8; color: #fff; }
.rating label { align-self: stretch; display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: #4f5766; }
.rating textarea { min-height: 56px; }
.rating-send {
  height: 36px; padding: 0 14px; border: 0; border-radius: 8px;
  background: #2350c8; color: #fff; font-weight: 600; cursor: pointer;
}
.rating-send:hover { background: #1c42a8; }
.rating-send:disabled { background: #8d9ab8; cursor: default; }
.rating-done { margin: 0; font-weight: 600; }
.rating-change {
  padding: 0; border: 0; background: none; cursor: pointer;
  color: #1c42a8; font-size: 13px; text-decoration: underline;
}
.rating .note { margin: 0; }
@media (forced-colors: active) {
  .bubble, .launcher, .send, .badge, .score, .rating-send { border: 1px solid CanvasText; }
  .score[aria-pressed="true"] { border: 3px solid Highlight; }
}
`;

  // ---------------------------------------------------------------- UI

  let ui = null;

  function buildUI() {
    const host = document.createElement('switchboard-chat');
    host.setAttribute('style', 'all: initial !important; position: static !important;');
    const root = host.attachShadow({ mode: 'open' });

    const badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    const launcher = h('button', {
      class: 'launcher', type: 'button', 'aria-label': 'Open chat',
      'aria-expanded': 'false', 'aria-controls': 'sb-panel',
      onclick: () => (state.open ? close() : open()),
    }, [icon(ICON_CHAT), badge]);

    const closeBtn = h('button', {
      class: 'close', type: 'button', 'aria-label': 'Close chat', onclick: () => close(),
    }, [icon(ICON_CLOSE)]);

    const empty = h('p', { class: 'empty', text: "Hi! Send us a message and we'll reply right here." });
    const log = h('div', {
      class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages', tabindex: '0',
    }, [empty]);
    const status = h('div', { class: 'status', role: 'status', hidden: true });

    const nameInput = h('input', {
      type: 'text', name: 'name', autocomplete: 'name', maxlength: '200', placeholder: 'Jane Doe',
    });
    const emailInput = h('input', {
      type: 'email', name: 'email', autocomplete: 'email', maxlength: '320', placeholder: 'you@example.com',
    });
    const nameLabel = h('label', null, [h('span', { text: 'Your name (optional)' }), nameInput]);
    const emailLabel = h('label', null, [h('span', { text: 'Email (optional)' }), emailInput]);
    if (cfg.name) nameLabel.hidden = true;
    if (cfg.email) emailLabel.hidden = true;
    const who = h('div', { class: 'who', hidden: true }, [nameLabel, emailLabel]);

    const textarea = h('textarea', {
      id: 'sb-text', rows: '1', placeholder: 'Write a message\u2026',
      'aria-label': 'Message', enterkeyhint: 'send',
    });
    const sendBtn = h('button', { class: 'send', type: 'submit', 'aria-label': 'Send message' },
      [h('span', { text: 'Send' }), icon(ICON_SEND)]);
    const form = h('form', { class: 'compose', novalidate: true, 'aria-label': 'Write a message' },
      [who, h('div', { class: 'row' }, [textarea, sendBtn])]);

    const title = h('h2', { id: 'sb-title', text: cfg.title });
    const panel = h('section', {
      class: 'panel', id: 'sb-panel', role: 'dialog', 'aria-labelledby': 'sb-title', hidden: true,
    }, [h('div', { class: 'head' }, [title, closeBtn]), log, status, form]);

    const style = document.createElement('style');
    style.textContent = CSS;
    root.appendChild(style);
    root.appendChild(h('div', { class: 'root' }, [panel, launcher]));

    form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
    textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      }
    });
    textarea.addEventListener('input', autosize);
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && state.open) {
        e.preventDefault();
        e.stopPropagation();
        close();
      }
    });

    document.body.appendChild(host);
    ui = { host, launcher, badge, panel, log, empty, status, who, nameInput, emailInput, textarea };
  }

  function autosize() {
    const t = ui.textarea;
    t.style.height = 'auto';
    t.style.height = Math.min(t.scrollHeight + 2, 140) + 'px';
  }

  function fmtTime(iso) {
    const d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    const sameDay = d.toDateString() === new Date().toDateString();
    return sameDay
      ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  function nearBottom() {
    const l = ui.log;
    return l.scrollHeight - l.scrollTop - l.clientHeight < 80;
  }
  function scrollToBottom() { ui.log.scrollTop = ui.log.scrollHeight; }

  // Fill an entry's element from msg (all text via textContent).
  function paint(entry) {
    const m = entry.msg;
    const customer = isCustomer(m);
    const el = entry.el;
    el.className = 'msg ' + (customer ? 'customer' : 'agent') +
      (entry.pending && entry.sendState !== 'failed' ? ' pending' : '') +
      (entry.sendState === 'failed' ? ' failed' : '');
    el.textContent = '';

    const meta = h('div', { class: 'meta' });
    const who = customer ? 'You' : (attr(m.name) || 'Support');
    const time = fmtTime(m.created_at);
    if (customer) {
      meta.appendChild(h('span', { class: 'sr', text: 'You' + (time ? ', ' : '') }));
    } else {
      meta.appendChild(h('span', { class: 'author', text: who }));
    }
    if (time) meta.appendChild(h('time', { datetime: String(m.created_at), text: time }));
    el.appendChild(meta);
    const bubble = h('div', { class: 'bubble', text: typeof m.text === 'string' ? m.text : String(m.text || '') });
    el.appendChild(bubble);
    if (!customer) {
      const survey = surveyOf(m);
      if (survey && !entry.rating) entry.rating = newRating(survey);
      if (entry.rating) {
        bubble.id = entry.rating.questionId;
        el.appendChild(entry.rating.el);
      }
    }

    if (entry.pending || entry.sendState === 'failed') {
      const note = h('div', { class: 'note' });
      if (entry.sendState === 'failed') {
        note.className = 'note error';
        note.appendChild(h('span', { text: entry.error ? 'Not sent: ' + entry.error : 'Not sent' }));
        if (entry.retryable) {
          note.appendChild(h('span', { text: ' \u2014 ' }));
          note.appendChild(h('button', {
            type: 'button', text: 'Retry', 'aria-label': 'Retry sending this message',
            onclick: () => retry(entry),
          }));
        }
      } else if (entry.sendState === 'retrying') {
        note.textContent = 'Sending\u2026 (retrying)';
      } else {
        note.textContent = 'Sending\u2026';
      }
      el.appendChild(note);
    }
  }

  function addEntry(entry, forceScroll) {
    const stick = forceScroll || nearBottom();
    entry.el = h('div', { class: 'msg' });
    paint(entry);
    ui.empty.hidden = true;
    ui.log.appendChild(entry.el);
    nodes.set(entry.id, entry);
    seen.add(entry.id);
    const ts = Date.parse(entry.msg.created_at);
    if (!entry.pending && !isNaN(ts) && ts > state.latestTs) state.latestTs = ts;
    if (stick) scrollToBottom();
    refreshWho();
  }

  function refreshWho() {
    if (!ui) return;
    const needWho = !cfg.name || !cfg.email;
    const ready = state.firstPollDone || state.pollFailures > 0;
    ui.who.hidden = !(needWho && ready && nodes.size === 0);
  }

  function setUnread(n) {
    state.unread = n;
    if (!ui) return;
    ui.badge.hidden = n <= 0;
    ui.badge.textContent = n > 9 ? '9+' : String(n);
    ui.launcher.setAttribute('aria-label',
      state.open ? 'Close chat' : (n > 0 ? 'Open chat, ' + n + ' unread' : 'Open chat'));
  }

  function markRead() {
    if (state.latestTs > state.readAt) {
      state.readAt = state.latestTs;
      store.set(READ_KEY, String(state.readAt));
    } else if (!state.hadReadMarker) {
      store.set(READ_KEY, String(state.readAt));
    }
    state.hadReadMarker = true;
    setUnread(0);
  }

  function setStatus(text) {
    if (!ui) return;
    ui.status.hidden = !text;
    ui.status.textContent = text || '';
  }

  // ---------------------------------------------------------------- messages

  // Server copy of a message (from GET or POST). Never shows an id twice.
  function ingest(m, initial) {
    if (!m || m.id === undefined || m.id === null) return;
    const id = String(m.id);

    const known = nodes.get(id);
    if (known) {
      if (known.pending || known.sendState === 'failed') confirm(known, m);
      return;
    }
    if (seen.has(id)) return;

    if (isCustomer(m)) {
      // The server may have assigned its own id to a message we are still
      // sending; adopt our optimistic bubble instead of showing it twice.
      const text = typeof m.text === 'string' ? m.text.trim() : '';
      for (const e of nodes.values()) {
        if (e.pending && e.msg.text.trim() === text) { confirm(e, m); return; }
      }
    }

    addEntry({ id, msg: m, pending: false }, false);
    touch();

    if (!isCustomer(m)) {
      if (state.open && !document.hidden) {
        markRead();
      } else if (state.open) {
        // visible again soon; counted as read when the tab is shown
      } else if (initial) {
        const ts = Date.parse(m.created_at);
        if (state.hadReadMarker && !isNaN(ts) && ts > state.readAt) setUnread(state.unread + 1);
      } else {
        setUnread(state.unread + 1);
      }
    }
  }

  // Replace an optimistic bubble with the server's copy.
  function confirm(entry, m) {
    const sid = m && m.id !== undefined && m.id !== null ? String(m.id) : entry.id;
    if (sid !== entry.id) {
      const other = nodes.get(sid);
      if (other && other !== entry) {
        // Already shown under the server id: drop the optimistic copy.
        entry.el.remove();
        nodes.delete(entry.id);
        entry.pending = false;
        entry.sendState = 'sent';
        if (!other.pending) return;
        entry = other;
      } else {
        nodes.delete(entry.id);
        entry.id = sid;
        nodes.set(sid, entry);
        seen.add(sid);
      }
    }
    entry.pending = false;
    entry.sendState = 'sent';
    entry.error = '';
    entry.msg = Object.assign({}, entry.msg, m);
    const ts = Date.parse(entry.msg.created_at);
    if (!isNaN(ts) && ts > state.latestTs) state.latestTs = ts;
    paint(entry);
    if (state.open) markRead();
  }

  function submit() {
    const text = ui.textarea.value.trim();
    if (!text) { ui.textarea.focus(); return; }

    if (!cfg.name) state.name = ui.nameInput.value.trim() || state.name;
    if (!cfg.email) state.email = ui.emailInput.value.trim() || state.email;

    const id = randomId();
    const body = { visitor_id: VISITOR_ID, message_id: id, text };
    if (state.name) body.name = state.name;
    if (state.email) body.email = state.email;
    if (cfg.userId) body.user_id = cfg.userId;
    if (cfg.userHash) body.user_hash = cfg.userHash;

    const entry = {
      id,
      msg: { id, direction: 'in', author: 'customer', name: state.name, text, created_at: new Date().toISOString() },
      pending: true,
      sendState: 'sending',
      body,
    };
    addEntry(entry, true);
    ui.textarea.value = '';
    autosize();
    ui.textarea.focus();
    touch();
    enqueue(entry);
    schedulePoll(0);
  }

  function enqueue(entry) {
    sendQueue.push(entry);
    pump();
  }

  // Messages are sent one at a time, in order.
  async function pump() {
    if (sending) return;
    sending = true;
    try {
      while (sendQueue.length) await deliver(sendQueue.shift());
    } finally {
      sending = false;
    }
  }

  async function deliver(entry) {
    for (let attempt = 0; ; attempt++) {
      if (!entry.pending) return; // confirmed by a poll meanwhile
      let res = null;
      try {
        res = await request('POST', messagesURL, entry.body);
      } catch (_) {
        res = null; // network error or timeout: retry
      }
      if (res && res.ok) {
        const data = res.data || {};
        if (typeof data.conversation_id === 'string' && data.conversation_id) state.conversationId = data.conversation_id;
        confirm(entry, data.message && typeof data.message === 'object' ? data.message : null);
        touch();
        return;
      }
      const transient = !res || res.status >= 500 || res.status === 408 || res.status === 429;
      if (!transient) {
        fail(entry, errorReason(res), false);
        return;
      }
      if (attempt >= SEND_RETRY_DELAYS_MS.length) {
        fail(entry, '', true);
        return;
      }
      if (entry.sendState !== 'retrying') { entry.sendState = 'retrying'; paint(entry); }
      await sleep(SEND_RETRY_DELAYS_MS[attempt]);
    }
  }

  function fail(entry, reason, retryable) {
    if (!entry.pending) return;
    entry.sendState = 'failed';
    entry.error = reason;
    entry.retryable = retryable;
    paint(entry);
  }

  function retry(entry) {
    if (entry.sendState !== 'failed') return;
    entry.sendState = 'sending';
    entry.error = '';
    paint(entry);
    enqueue(entry); // same body, same message_id: the server stores it once
  }

  // ---------------------------------------------------------------- ratings

  // A rating request shows five score buttons, an optional comment and a
  // send button under its question. The score sent is kept per
  // conversation and interaction, so a reload thanks the customer instead
  // of asking again; "Change rating" brings the buttons back.
  let ratingSeq = 0;

  function surveyOf(m) {
    const s = m.survey;
    if (!s || typeof s !== 'object' || !Number.isInteger(s.interaction) || s.interaction < 0) return null;
    return s;
  }

  function newRating(s) {
    const labels = {};
    for (const o of Array.isArray(s.options) ? s.options : []) {
      if (o && Number.isInteger(o.score) && o.score >= 1 && o.score <= 5) labels[o.score] = attr(o.label);
    }
    const r = {
      conversationId: state.conversationId,
      interaction: s.interaction,
      labels,
      prompt: attr(s.comment_prompt) || 'Comment (optional)',
      sendLabel: attr(s.send) || 'Send',
      thanks: attr(s.thanks) || 'Thank you!',
      questionId: 'sb-q' + (++ratingSeq),
      el: h('div', { class: 'rating' }),
      chosen: 0,
      phase: 'ask',         // 'ask' | 'thanks' | 'closed'
      busy: false,
      comment: '',
      parts: null,          // the controls while asking
    };
    const saved = savedScore(r);
    if (saved) { r.chosen = saved; r.phase = 'thanks'; }
    renderRating(r, false);
    return r;
  }

  const ratingKey = (r) => RATING_KEY + r.conversationId + '.' + r.interaction;

  function savedScore(r) {
    const n = Number(store.get(ratingKey(r)));
    return Number.isInteger(n) && n >= 1 && n <= 5 ? n : 0;
  }

  function renderRating(r, focus) {
    const box = r.el;
    box.textContent = '';
    r.parts = null;
    if (r.phase === 'thanks' || r.phase === 'closed') {
      const done = r.phase === 'thanks'
        ? h('p', { class: 'rating-done', tabindex: '-1', text: r.thanks })
        : h('p', { class: 'note', tabindex: '-1', text: 'This rating is closed.' });
      box.appendChild(done);
      if (r.phase === 'thanks') {
        box.appendChild(h('button', {
          type: 'button', class: 'rating-change', text: 'Change rating',
          onclick: () => { r.phase = 'ask'; renderRating(r, true); },
        }));
      }
      if (focus) done.focus();
      return;
    }
    const buttons = [];
    const scores = h('div', { class: 'scores', role: 'group', 'aria-labelledby': r.questionId });
    for (let score = 1; score <= 5; score++) {
      const label = r.labels[score];
      const b = h('button', {
        type: 'button', class: 'score', text: String(score),
        title: label || undefined,
        'aria-label': label ? score + ' - ' + label : undefined,
        'aria-pressed': String(r.chosen === score),
        onclick: () => choose(r, score),
      });
      buttons.push(b);
      scores.appendChild(b);
    }
    const comment = h('textarea', { rows: '2', maxlength: String(MAX_COMMENT) });
    comment.value = r.comment;
    comment.addEventListener('input', () => { r.comment = comment.value; });
    const send = h('button', {
      type: 'button', class: 'rating-send', text: r.sendLabel, disabled: !r.chosen,
      onclick: () => sendRating(r),
    });
    const note = h('p', { class: 'note', role: 'status' });
    box.appendChild(scores);
    box.appendChild(h('label', null, [h('span', { text: r.prompt }), comment]));
    box.appendChild(send);
    box.appendChild(note);
    r.parts = { buttons, send, note };
    if (focus) (buttons[r.chosen - 1] || buttons[0]).focus();
  }

  function choose(r, score) {
    if (!r.parts || r.busy) return;
    r.chosen = score;
    r.parts.buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(i + 1 === score)));
    r.parts.send.disabled = false;
    ratingNote(r, '', false);
    touch();
  }

  function ratingNote(r, text, error) {
    r.parts.note.className = error ? 'note error' : 'note';
    r.parts.note.textContent = text;
  }

  async function sendRating(r) {
    if (!r.parts || r.busy || !r.chosen) return;
    r.busy = true;
    r.parts.send.disabled = true;
    ratingNote(r, 'Sending\u2026', false);
    const body = { visitor_id: VISITOR_ID, conversation_id: r.conversationId, interaction: r.interaction, score: r.chosen };
    const comment = r.comment.trim();
    if (comment) body.comment = comment;
    if (cfg.userId) body.user_id = cfg.userId;
    if (cfg.userHash) body.user_hash = cfg.userHash;
    let res = null;
    try { res = await request('POST', ratingURL, body); } catch (_) { res = null; }
    r.busy = false;
    touch();
    if (res && res.ok) {
      store.set(ratingKey(r), String(r.chosen));
      r.phase = 'thanks';
      r.comment = '';
      renderRating(r, true);
    } else if (res && res.status === 410) {
      r.phase = 'closed';
      renderRating(r, true);
    } else {
      r.parts.send.disabled = false;
      ratingNote(r, res && res.status >= 400 && res.status < 500
        ? 'Not sent: ' + errorReason(res)
        : 'Could not send your rating. Please try again.', true);
    }
  }

  // ---------------------------------------------------------------- polling

  function isFast() {
    if (state.open || sending) return true;
    return nodes.size > 0 && Date.now() - state.lastActivity < IDLE_AFTER_MS;
  }

  function nextDelay() {
    if (state.pollFailures > 0) {
      return Math.min(MAX_POLL_BACKOFF_MS, FAST_POLL_MS * Math.pow(2, state.pollFailures));
    }
    return isFast() ? FAST_POLL_MS : SLOW_POLL_MS;
  }

  function schedulePoll(ms) {
    clearTimeout(state.pollTimer);
    state.pollTimer = setTimeout(poll, ms);
  }

  async function poll() {
    clearTimeout(state.pollTimer);
    state.pollTimer = 0;
    if (state.polling) return;     // the request in flight schedules the next one
    if (document.hidden) return;   // resumed by visibilitychange
    state.polling = true;
    try {
      const q = new URLSearchParams();
      q.set('visitor_id', VISITOR_ID);
      if (state.cursor) q.set('after', state.cursor);
      if (cfg.userId) q.set('user_id', cfg.userId);
      if (cfg.userHash) q.set('user_hash', cfg.userHash);
      let res = null;
      try { res = await request('GET', messagesURL + '?' + q.toString()); } catch (_) { res = null; }

      if (res && res.ok && res.data && typeof res.data === 'object') {
        const data = res.data;
        const initial = !state.firstPollDone;
        if (typeof data.conversation_id === 'string' && data.conversation_id) state.conversationId = data.conversation_id;
        const list = Array.isArray(data.messages) ? data.messages : [];
        for (const m of list) ingest(m, initial);
        if (typeof data.cursor === 'string' && data.cursor !== '') state.cursor = data.cursor;
        state.firstPollDone = true;
        state.pollFailures = 0;
        if (initial && state.open) { scrollToBottom(); markRead(); }
        setStatus('');
      } else {
        state.pollFailures++;
        if (state.pollFailures >= 3) {
          setStatus(res && res.status >= 400 && res.status < 500
            ? 'Chat unavailable: ' + errorReason(res)
            : 'Connection problem \u2014 reconnecting\u2026');
        }
      }
      refreshWho();
    } finally {
      state.polling = false;
      if (!document.hidden) schedulePoll(nextDelay());
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      clearTimeout(state.pollTimer);
    } else {
      if (state.open) markRead();
      poll();
    }
  });

  // ---------------------------------------------------------------- public API

  function open() {
    if (!ui) { pendingOpen = true; return; }
    if (state.open) { ui.textarea.focus(); return; }
    state.open = true;
    ui.panel.hidden = false;
    ui.launcher.setAttribute('aria-expanded', 'true');
    markRead();
    scrollToBottom();
    touch();
    setTimeout(() => ui.textarea.focus(), 0);
    poll();
  }

  function close() {
    if (!ui) { pendingOpen = false; return; }
    if (!state.open) return;
    const hadFocus = ui.host.shadowRoot.activeElement !== null;
    state.open = false;
    ui.panel.hidden = true;
    ui.launcher.setAttribute('aria-expanded', 'false');
    setUnread(0);
    if (hadFocus) ui.launcher.focus();
    schedulePoll(nextDelay());
  }

  let pendingOpen = false;
  window.Switchboard = { open, close, version: '1' };

  function init() {
    buildUI();
    setUnread(0);
    poll();
    if (pendingOpen) open();
  }

  if (document.body) init();
  else document.addEventListener('DOMContentLoaded', init, { once: true });
})();
