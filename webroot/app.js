// ActivityStreamer browser client: the classic client protocol over SockJS (one JSON command per SockJS
// message), with the resume extension so that a reconnect, a REDIRECT or a dead server loses nothing and
// duplicates nothing. Plain JS, no build step.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const SESSION_KEY = 'streamer.session';   // sessionStorage: this tab's session, for resume after reload
  const SECRETS_KEY = 'streamer.secrets';   // localStorage: secrets the user chose to remember
  const MESH_REFRESH_MS = 1500;
  const MAX_STREAM = 500;

  // ---- state ----
  let current = location.origin;  // HTTP base of the member we talk to (SockJS and /api/mesh)
  let sock = null;
  let want = null;                // {username, secret, anonymous} while the user wants to be logged in
  let onOpenAction = null;        // what to send once the socket opens (REGISTER or LOGIN)
  let loggedIn = false;
  let redirectTo = null;
  let redirectToken = null;       // REDIRECT's resume.token: an anonymous position, for the next LOGIN only
  let attempt = 0;
  let reconnectTimer = null;
  let meshView = null;
  let portOffset = null;          // httpPort - port of the members we have seen (used when a member does not say)
  const memberBases = new Set();  // HTTP bases of other members, candidates for a reconnect
  const sess = loadSession();     // {username, session, received: {origin: n}, seq, unacked: [msg]}
  let received = 0;

  function loadSession() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SESSION_KEY));
      if (s && s.received) return s;
    } catch (e) { /* fresh */ }
    return { username: null, session: null, received: {}, seq: 0, unacked: [] };
  }
  function saveSession() { sessionStorage.setItem(SESSION_KEY, JSON.stringify(sess)); }
  function resetSession(username) {
    sess.username = username; sess.session = null; sess.received = {}; sess.seq = 0; sess.unacked = [];
    saveSession();
  }
  function secrets() { try { return JSON.parse(localStorage.getItem(SECRETS_KEY)) || {}; } catch (e) { return {}; } }
  function remember(user, secret) { const s = secrets(); s[user] = secret; localStorage.setItem(SECRETS_KEY, JSON.stringify(s)); }
  function forget(user) { const s = secrets(); delete s[user]; localStorage.setItem(SECRETS_KEY, JSON.stringify(s)); }

  // ---- where members are ----
  function base(hostname, port) { return location.protocol + '//' + hostname + ':' + port; }
  function hostOf(b) { return b.replace(/^[a-z]+:\/\//, ''); }
  /** The HTTP base of the member listening for clients on hostname:port; null when its HTTP port is unknown. */
  function httpBaseOf(hostname, port) {
    for (const m of (meshView && meshView.members) || []) {
      if (m.hostname === hostname && m.port === port && m.httpPort) return base(hostname, m.httpPort);
    }
    return portOffset === null ? null : base(hostname, port + portOffset);
  }
  function learnMembers(view) {
    if (view.port && view.httpPort) portOffset = view.httpPort - view.port;
    for (const m of view.members || []) {
      if (m.status === 'DEAD') continue;
      const b = m.httpPort ? base(m.hostname, m.httpPort) : httpBaseOf(m.hostname, m.port);
      if (b) memberBases.add(b);
    }
  }
  function candidates() {
    const list = [current];
    for (const b of memberBases) if (!list.includes(b)) list.push(b);
    if (!list.includes(location.origin)) list.push(location.origin);
    return list;
  }

  // ---- connection ----
  function setConn(state, text) {
    const el = $('conn');
    el.className = 'conn ' + state;
    el.dataset.state = state;
    el.dataset.server = current;
    $('conn-text').textContent = text;
  }

  function connect(target, action) {
    clearTimeout(reconnectTimer);
    if (sock) { const old = sock; sock = null; try { old.close(); } catch (e) { /* closing anyway */ } }
    onOpenAction = action;
    setConn('connecting', 'connecting to ' + hostOf(target));
    const s = new SockJS(target + '/sockjs');
    sock = s;
    s.onopen = () => {
      if (s !== sock) return;
      current = target;
      log('connected to ' + hostOf(target) + ' (' + (s.transport || 'sockjs') + ')');
      setConn('connecting', 'connected to ' + hostOf(target) + ', logging in');
      const a = onOpenAction; onOpenAction = null;
      if (a) a();
      refreshMesh();
    };
    s.onmessage = (e) => { if (s === sock) onMessage(e.data); };
    s.onclose = (e) => { if (s === sock) { sock = null; onClose(e); } };
  }

  function send(msg) {
    if (!sock || sock.readyState !== SockJS.OPEN) return false;
    sock.send(JSON.stringify(msg));
    return true;
  }

  function onClose(e) {
    const wasIn = loggedIn;
    loggedIn = false;
    updateAccount();
    if (redirectTo) {
      const t = redirectTo; redirectTo = null;
      log('following REDIRECT to ' + hostOf(t));
      connect(t, login);
      return;
    }
    if (want) {
      if (wasIn) log('connection to ' + hostOf(current) + ' lost (' + [e.code, e.reason].filter(Boolean).join(' ') + ')');
      scheduleReconnect();
    } else {
      setConn('idle', 'not connected');
    }
  }

  function scheduleReconnect() {
    const list = candidates();
    const target = list[attempt % list.length];
    const delay = Math.min(3000, 150 * Math.pow(2, Math.min(attempt, 5)));
    attempt++;
    setConn('reconnecting', 'reconnecting to ' + hostOf(target) + ' (attempt ' + attempt + ')');
    reconnectTimer = setTimeout(() => connect(target, login), delay);
  }

  // ---- protocol ----
  function login() {
    if (!want) return;
    const msg = { command: 'LOGIN', username: want.username };
    const resume = { received: sess.received };
    if (!want.anonymous) {
      msg.secret = want.secret;
      if (sess.session && sess.username === want.username) resume.session = sess.session;
    }
    if (redirectToken) {
      resume.token = redirectToken;  // the server moved this anonymous session: continue where the move began
      log('LOGIN with the REDIRECT\'s resume token (what arrived during the move follows)');
    }
    msg.resume = resume;
    send(msg);
  }

  let pendingRegistration = null;
  function register(username, secret) {
    const msg = { command: 'REGISTER', username, secret };
    const go = () => send(msg);
    want = null;
    pendingRegistration = { username, secret };
    if (sock && sock.readyState === SockJS.OPEN && !loggedIn) go(); else connect(current, go);
  }

  function onMessage(data) {
    let msg;
    try { msg = JSON.parse(data); } catch (e) { log('unreadable message from the server: ' + String(data).slice(0, 200)); return; }
    switch (msg.command) {
      case 'ACTIVITY_BROADCAST': onBroadcast(msg); break;
      case 'REGISTER_SUCCESS': onRegistered(); break;
      case 'REGISTER_FAILED': accountMsg(msg.info); pendingRegistration = null; log('REGISTER_FAILED: ' + msg.info); break;
      case 'LOGIN_SUCCESS': onLoggedIn(msg); break;
      case 'LOGIN_FAILED': accountMsg(msg.info); log('LOGIN_FAILED: ' + msg.info); want = null; break;
      case 'REDIRECT': onRedirect(msg); break;
      case 'INVALID_MESSAGE':
      case 'AUTHENTICATION_FAIL':
        log(msg.command + ': ' + msg.info);
        accountMsg(msg.info);
        if (/another connection/.test(msg.info || '')) want = null;  // taken over elsewhere: do not fight it
        break;
      default: log(msg.command + (msg.info ? ': ' + msg.info : ''));
    }
  }

  function onRegistered() {
    const r = pendingRegistration; pendingRegistration = null;
    if (!r) return;
    log('registered ' + r.username);
    $('secret-user').textContent = r.username;
    $('secret-value').textContent = r.secret;
    $('secret-box').classList.remove('hidden');
    $('secret-box').dataset.user = r.username;
    want = { username: r.username, secret: r.secret, anonymous: false };
    resetSession(r.username);
    login();
  }

  function onLoggedIn(msg) {
    if (!want) return;
    loggedIn = true;
    attempt = 0;
    redirectToken = null;  // used: a token resumes once
    accountMsg('');
    if (!want.anonymous) {
      if (msg.session && msg.session !== sess.session) {
        if (sess.session) log('new session (the old one is gone)');
        const carry = sess.unacked; sess.seq = 0; sess.unacked = [];
        sess.session = msg.session; sess.username = want.username;
        carry.forEach((m) => { m.seq = ++sess.seq; sess.unacked.push(m); });
      }
      const last = msg.lastSeq || 0;
      sess.unacked = sess.unacked.filter((m) => m.seq > last);
      sess.seq = Math.max(sess.seq, last);
      sess.unacked.forEach((m) => send(m));
      if (msg.dropped) log(msg.dropped + ' activities were dropped from your backlog (bounds)');
      saveSession();
    }
    (msg.members || []).forEach((hp) => {
      const i = String(hp).lastIndexOf(':');
      const b = httpBaseOf(String(hp).slice(0, i), Number(String(hp).slice(i + 1)));
      if (b) memberBases.add(b);
    });
    log('logged in as ' + want.username + ' on ' + hostOf(current) + (msg.session ? ' (session ' + msg.session + ')' : ''));
    setConn('online', 'online via ' + hostOf(current));
    updateAccount();
  }

  function onRedirect(msg) {
    const target = httpBaseOf(msg.hostname, msg.port);
    log('REDIRECT to ' + msg.hostname + ':' + msg.port + (target ? '' : ' (HTTP port unknown: staying)'));
    if (target) redirectTo = target;
    redirectToken = msg.resume && typeof msg.resume.token === 'string' ? msg.resume.token : null;
  }

  function onBroadcast(msg) {
    const eid = msg.eid;
    if (eid) {
      if ((sess.received[eid.origin] || 0) >= eid.n) return;  // already shown (resume makes this rare)
      sess.received[eid.origin] = eid.n;
    }
    const act = msg.activity || {};
    const mine = want && !want.anonymous && act.authenticated_user === want.username;
    if (mine && sess.unacked.length) sess.unacked.shift();
    if (want && !want.anonymous) saveSession();
    render(act, eid, mine);
  }

  function sendActivity(activity) {
    if (!want) return 'log in first';
    const msg = { command: 'ACTIVITY_MESSAGE', username: want.username, activity };
    if (want.anonymous) {
      msg.secret = null;
      return send(msg) ? null : 'not connected';
    }
    msg.secret = want.secret;
    msg.seq = ++sess.seq;
    sess.unacked.push(msg);
    saveSession();
    if (loggedIn) send(msg);
    return null;
  }

  // ---- rendering ----
  function render(act, eid, mine) {
    const li = document.createElement('li');
    const sender = act.authenticated_user || '?';
    li.dataset.sender = sender;
    if (eid) li.dataset.eid = eid.origin + '/' + eid.n;
    if (mine) li.className = 'mine';
    const meta = document.createElement('div'); meta.className = 'meta';
    const who = document.createElement('span'); who.className = 'sender'; who.textContent = sender;
    const when = document.createElement('time'); when.textContent = new Date().toLocaleTimeString();
    meta.append(who, when);
    const rest = Object.assign({}, act); delete rest.authenticated_user;
    const keys = Object.keys(rest);
    let content;
    if (keys.length === 1 && typeof rest.text === 'string') {
      content = document.createElement('div'); content.textContent = rest.text;
    } else {
      content = document.createElement('pre'); content.textContent = JSON.stringify(rest, null, 2);
    }
    content.classList.add('content');
    li.append(meta, content);
    const list = $('stream');
    list.prepend(li);
    while (list.children.length > MAX_STREAM) list.lastChild.remove();
    received++;
    $('stream-count').textContent = received + ' received';
  }

  function updateAccount() {
    const on = !!want && loggedIn;
    $('logged-out').classList.toggle('hidden', !!want);
    $('logged-in').classList.toggle('hidden', !want);
    $('me').textContent = want ? want.username : '';
    $('me-server').textContent = on ? 'on ' + hostOf(current) : (want ? '(reconnecting)' : '');
    $('whoami').textContent = want ? want.username + (on ? ' @ ' + hostOf(current) : '') : '';
    $('send-button').disabled = !want || (want.anonymous && !on);
  }

  function accountMsg(text) { $('account-msg').textContent = text || ''; }

  function log(text) {
    const li = document.createElement('li');
    li.textContent = new Date().toLocaleTimeString() + ' ' + text;
    const l = $('log'); l.prepend(li);
    while (l.children.length > 200) l.lastChild.remove();
  }

  // ---- mesh panel ----
  function refreshMesh() {
    const from = current;
    fetch(from + '/api/mesh', { cache: 'no-store' })
      .then((r) => {
        // /api/mesh is an ops endpoint (opsBind / opsToken): from elsewhere the panel stays empty; failover
        // still knows the members from LOGIN_SUCCESS
        if (r.status === 401 || r.status === 403) throw new Error('ops only');
        return r.json();
      })
      .then((view) => { if (from === current) { meshView = view; learnMembers(view); renderMesh(view); } })
      .catch((e) => {
        $('mesh-age').textContent = hostOf(from) + (e && e.message === 'ops only'
          ? ': mesh details are for operators (opsBind, opsToken)' : ' unreachable');
      });
  }

  const memberStatus = new Map();  // id -> status last shown, to log changes
  function renderMesh(view) {
    for (const m of view.members || []) {
      const before = memberStatus.get(m.id);
      if (before && before !== m.status) log('member ' + (m.name || m.id) + ' is now ' + m.status);
      memberStatus.set(m.id, m.status);
    }
    const body = $('mesh-members');
    body.textContent = '';
    for (const m of view.members || []) {
      const tr = document.createElement('tr');
      tr.dataset.id = m.id;
      tr.dataset.status = m.status;
      if (m.self) tr.classList.add('self');
      const http = m.httpPort || (portOffset !== null ? m.port + portOffset : null);
      if (http && base(m.hostname, http) === current) tr.classList.add('current');
      const link = m.self ? 'self' : (m.linked ? 'up' : 'down');
      const name = m.name || m.id;
      const address = m.hostname + ':' + m.port + (http ? ' (http ' + http + ')' : '');
      [[name, ''], [m.status, m.status], [link, link], [m.load, '']].forEach(([text, cls]) => {
        const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.append(td);
      });
      tr.title = m.id + ' at ' + address;
      body.append(tr);
    }
    const g = view.gateway || {};
    const rows = [
      ['serving', hostOf(current)], ['users', view.users], ['sessions', view.sessions],
      ['sessions here', view.sessionsHere], ['detached', view.sessionsDetached],
      ['backlog', view.backlogEntries + (view.backlogDropped ? ' (' + view.backlogDropped + ' dropped)' : '')],
      ['connections', (g.connections ? g.connections.tcp + ' tcp, ' + g.connections.sockjs + ' sockjs' : '')],
      ['activities in/out', (g.activitiesIn || 0) + ' / ' + (g.activitiesOut || 0)],
      ['redirects', g.redirects || 0],
    ];
    const dl = $('mesh-summary'); dl.textContent = '';
    rows.forEach(([k, v]) => {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = v === undefined ? '' : v;
      dl.append(dt, dd);
    });
    $('mesh-age').textContent = 'as seen by ' + (view.server || hostOf(current));
    sampleRates(view);
    drawPicture(view);
    drawSparklines(view);
  }

  // ---- the mesh as a picture: members as nodes (size: load), links as edges (colour: state) ----
  const SVG = 'http://www.w3.org/2000/svg';
  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
    if (parent) parent.append(e);
    return e;
  }
  function isServing(m) {
    const http = m.httpPort || (portOffset !== null ? m.port + portOffset : null);
    return !!http && base(m.hostname, http) === current;
  }
  /**
   * up: both ends see each other (the serving member: it has a link); one-way: only one end sees the
   * other; down: neither, or one end is dead.
   */
  function edgeState(a, b) {
    if (a.status === 'DEAD' || b.status === 'DEAD') return 'down';
    const sees = (x, y) => (x.self ? y.linked === true : (x.sees || []).includes(y.id));
    const ab = sees(a, b); const ba = sees(b, a);
    return ab && ba ? 'up' : (ab || ba ? 'one-way' : 'down');
  }
  function drawPicture(view) {
    const svg = $('mesh-picture');
    svg.textContent = '';
    const members = (view.members || []).slice().sort((x, y) => (x.name || x.id).localeCompare(y.name || y.id));
    const w = 320; const h = 200; const cx = w / 2; const cy = h / 2; const ring = members.length > 1 ? 68 : 0;
    const at = new Map();
    members.forEach((m, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / members.length;
      at.set(m.id, [cx + ring * Math.cos(angle), cy + ring * Math.sin(angle)]);
    });
    const edges = el('g', { class: 'edges' }, svg);
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const a = members[i]; const b = members[j]; const [x1, y1] = at.get(a.id); const [x2, y2] = at.get(b.id);
        const line = el('line', { x1, y1, x2, y2, class: 'edge ' + edgeState(a, b) }, edges);
        line.dataset.a = a.id; line.dataset.b = b.id; line.dataset.state = edgeState(a, b);
      }
    }
    for (const m of members) {
      const [x, y] = at.get(m.id);
      const g = el('g', { class: 'node ' + m.status + (isServing(m) ? ' serving' : '') }, svg);
      g.dataset.id = m.id; g.dataset.status = m.status; g.dataset.load = m.load;
      if (isServing(m)) g.dataset.serving = 'true';
      const r = Math.min(30, 10 + 4 * Math.sqrt(Math.max(0, m.load || 0)));
      if (isServing(m)) el('circle', { cx: x, cy: y, r: r + 5, class: 'halo' }, g);
      el('circle', { cx: x, cy: y, r, class: 'dot' }, g);
      const label = el('text', { x, y: y < cy ? y - r - 7 : y + r + 13, class: 'label' }, g);
      label.textContent = (m.name || m.id) + ' \u00b7 ' + (m.load || 0);
      const tip = el('title', {}, g);
      tip.textContent = m.id + ' ' + m.status + ', load ' + (m.load || 0) + (isServing(m) ? ', serving this page' : '');
    }
  }

  // ---- activities per second per member, from the applied counts per origin in /api/mesh ----
  const SPARK_SAMPLES = 40;
  const samples = new Map();  // member id -> [{t, n}] (n: its activities applied at the serving member)
  function sampleRates(view) {
    const t = Date.now(); const applied = view.applied || {};
    for (const m of view.members || []) {
      const list = samples.get(m.id) || [];
      list.push({ t, n: applied[m.id] || 0 });
      while (list.length > SPARK_SAMPLES + 1) list.shift();
      samples.set(m.id, list);
    }
  }
  function ratesOf(id) {
    const list = samples.get(id) || []; const out = [];
    for (let i = 1; i < list.length; i++) {
      const dt = (list[i].t - list[i - 1].t) / 1000;
      out.push(dt > 0 ? Math.max(0, list[i].n - list[i - 1].n) / dt : 0);
    }
    return out;
  }
  function drawSparklines(view) {
    const box = $('mesh-rates');
    box.textContent = '';
    for (const m of view.members || []) {
      const rates = ratesOf(m.id); const last = rates.length ? rates[rates.length - 1] : 0;
      const row = document.createElement('div'); row.className = 'rate-row';
      const name = document.createElement('span'); name.className = 'rate-name'; name.textContent = m.name || m.id;
      const w = 120; const h = 22; const max = Math.max(1, ...rates);
      const svg = el('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, class: 'spark' });
      svg.dataset.id = m.id; svg.dataset.rate = last.toFixed(2); svg.dataset.peak = Math.max(0, ...rates).toFixed(2);
      const pts = rates.map((r, i) => ((i * w) / Math.max(1, SPARK_SAMPLES - 1)).toFixed(1) + ','
        + (h - 1 - (r / max) * (h - 2)).toFixed(1)).join(' ');
      if (pts) el('polyline', { points: pts, class: 'spark-line' }, svg);
      const val = document.createElement('span'); val.className = 'rate-value'; val.textContent = last.toFixed(1) + '/s';
      row.append(name, svg, val);
      box.append(row);
    }
  }

  // ---- UI wiring ----
  function randomSecret() {
    const a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function startLogin(username, secret, anonymous) {
    want = { username, secret, anonymous };
    redirectToken = null;
    if (anonymous || sess.username !== username) resetSession(anonymous ? null : username);
    accountMsg('');
    updateAccount();
    if (sock && sock.readyState === SockJS.OPEN && !loggedIn) login(); else connect(current, login);
  }

  document.querySelectorAll('.tab').forEach((t) => t.addEventListener('click', () => {
    document.querySelectorAll('.tab').forEach((x) => x.classList.toggle('active', x === t));
    document.querySelectorAll('.pane').forEach((p) => p.classList.toggle('hidden', p.id !== t.dataset.tab));
  }));
  let mode = 'text';
  document.querySelectorAll('.mode').forEach((b) => b.addEventListener('click', () => {
    mode = b.dataset.mode;
    document.querySelectorAll('.mode').forEach((x) => x.classList.toggle('active', x === b));
    $('compose-text').placeholder = mode === 'json' ? '{"type": "note", "text": "an activity as JSON"}'
      : 'Say something to the whole mesh';
  }));
  $('login-username').addEventListener('input', () => {
    const s = secrets()[$('login-username').value.trim()];
    if (s) { $('login-secret').value = s; $('login-remember').checked = true; }
  });
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const user = $('login-username').value.trim();
    const secret = $('login-secret').value;
    if (!user) return;
    if ($('login-remember').checked) remember(user, secret); else forget(user);
    startLogin(user, secret, false);
  });
  $('anon-button').addEventListener('click', () => startLogin('anonymous', null, true));
  $('register-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const user = $('register-username').value.trim();
    if (!user) return;
    const secret = $('register-secret').value || randomSecret();
    accountMsg('');
    register(user, secret);
  });
  $('remember-button').addEventListener('click', () => {
    remember($('secret-box').dataset.user, $('secret-value').textContent);
    $('remember-button').textContent = 'Remembered';
    $('remember-button').disabled = true;
  });
  $('secret-dismiss').addEventListener('click', () => $('secret-box').classList.add('hidden'));
  $('logout-button').addEventListener('click', () => {
    const w = want; want = null;
    clearTimeout(reconnectTimer);
    if (!send({ command: 'LOGOUT' })) setConn('idle', 'not connected');
    if (w && !w.anonymous) resetSession(null);
    log('logged out');
    updateAccount();
  });
  $('compose-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('compose-text').value;
    if (!text.trim()) return;
    let activity;
    if (mode === 'json') {
      try { activity = JSON.parse(text); } catch (err) { $('compose-msg').textContent = 'not JSON: ' + err.message; return; }
      if (!activity || typeof activity !== 'object' || Array.isArray(activity)) {
        $('compose-msg').textContent = 'an activity must be a JSON object'; return;
      }
    } else {
      activity = { text };
    }
    const err = sendActivity(activity);
    $('compose-msg').textContent = err || '';
    if (!err) $('compose-text').value = '';
  });
  $('compose-text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) $('compose-form').requestSubmit();
  });

  // a reload of this tab resumes its session when the secret was remembered
  const stored = sess.session && sess.username ? secrets()[sess.username] : null;
  if (sess.username) $('login-username').value = sess.username;
  if (stored) {
    $('login-secret').value = stored; $('login-remember').checked = true;
    startLogin(sess.username, stored, false);
  }
  updateAccount();
  refreshMesh();
  setInterval(refreshMesh, MESH_REFRESH_MS);

  // read-only view for tests and the curious
  window.streamer = {
    state: () => ({ current, loggedIn, want: want && want.username, session: sess.session,
      received: Object.assign({}, sess.received), unacked: sess.unacked.length, shown: received }),
  };
})();
