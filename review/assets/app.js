// synthgen review: one trace at a time, labelled with the keyboard.
//
// Everything a trace holds is model output and untrusted: it reaches the
// page only as text nodes (textContent, append of strings; no HTML string
// is ever parsed, no attribute that loads or runs anything is set), and
// links in it are never made clickable.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);

  // el builds an element: props are a fixed set (class, id, href for our
  // own anchors, title, type); children are nodes or strings (text nodes).
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null) continue;
        if (k === 'class') e.className = v;
        else if (k === 'id' || k === 'title' || k === 'type' || k === 'open' || k === 'colSpan') e[k] = v;
        else if (k === 'href') e.setAttribute('href', v); // "#..." anchors we build
        else if (k === 'onclick') e.addEventListener('click', v);
        else throw new Error('el: unexpected property ' + k);
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c); // strings become text nodes
    }
    return e;
  }

  async function api(method, path, body) {
    const opts = { method, headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    let data = {};
    try { data = await r.json(); } catch (_) { /* not JSON */ }
    if (!r.ok) {
      const err = new Error(data.error || (r.status + ' ' + r.statusText));
      err.status = r.status;
      err.column = data.column || 0;
      throw err;
    }
    return data;
  }

  // ---- state ----
  const WINDOW = 100;
  const st = {
    column: '',
    total: 0,
    pos: -1,            // position of the current trace in the list
    win: { offset: 0, rows: [] },
    trace: null,        // the current trace (from /api/trace)
    saved: null,        // its saved label view, or null
    pending: { label: '', notes: '', tags: '' },
    dirty: false,
    progress: null,
  };

  // Actions run one after another, in the order the keys were pressed.
  let queue = Promise.resolve();
  function enqueue(fn) {
    queue = queue.then(fn).catch((e) => status(e.message, true));
    return queue;
  }

  function status(msg, isError) {
    const s = $('status');
    s.textContent = msg || '';
    s.className = 'status' + (isError ? ' error' : '');
  }

  // ---- the id window ----
  async function rowAt(pos) {
    if (pos < st.win.offset || pos >= st.win.offset + st.win.rows.length) {
      const off = pos - (pos % WINDOW);
      const w = await api('GET', '/api/rows?offset=' + off + '&limit=' + WINDOW);
      st.win = { offset: w.offset, rows: w.rows };
      st.total = w.total;
    }
    const r = st.win.rows[pos - st.win.offset];
    return r ? r.row : null;
  }

  function updateWindowRow(row, view) {
    for (const r of st.win.rows) {
      if (r.row === row) {
        r.label = view ? view.label : '';
        r.stale = !!(view && view.stale);
      }
    }
  }

  // ---- navigation ----
  async function go(pos) {
    if (st.total === 0) { renderEmpty(); return; }
    pos = Math.max(0, Math.min(pos, st.total - 1));
    const row = await rowAt(pos);
    if (row === null) return;
    const t = await api('GET', '/api/trace?row=' + row);
    st.pos = pos;
    st.trace = t;
    st.saved = t.label;
    // A new trace starts with the keys live: leave the notes and tags.
    const a = document.activeElement;
    if (a && (a.id === 'notes' || a.id === 'tags')) a.blur();
    resetPending();
    history.replaceState(null, '', '#row=' + row);
    renderTrace();
    renderPanel();
    window.scrollTo(0, 0);
  }

  async function move(delta) {
    if (st.dirty) await save();
    const to = st.pos + delta;
    if (to < 0) { status('first trace of the list'); return; }
    if (to >= st.total) { status('last trace of the list'); return; }
    status('');
    await go(to);
  }

  function resetPending() {
    const s = st.saved;
    st.pending = {
      label: s ? s.label : '',
      notes: s ? s.notes : '',
      tags: s ? (s.tags || []).join(', ') : '',
    };
    st.dirty = false;
    $('notes').value = st.pending.notes;
    $('tags').value = st.pending.tags;
  }

  // ---- labels ----
  function tagsOf(s) {
    return s.split(',').map((t) => t.trim()).filter((t) => t !== '');
  }

  async function save() {
    if (!st.trace) return;
    const body = {
      row: st.trace.row,
      column: st.column,
      label: st.pending.label,
      notes: st.pending.notes,
      tags: tagsOf(st.pending.tags),
    };
    const r = await api('POST', '/api/label', body);
    st.saved = r.label;
    st.trace.label = r.label;
    st.dirty = false;
    updateWindowRow(r.row, r.label);
    setProgress(r.progress);
    status('saved: ' + (body.label || 'cleared') + ' · row ' + r.row);
    renderPanel();
  }

  // label: pass and defer save at once and move on; fail selects the label
  // and puts the cursor in the notes (a failure wants a reason): Ctrl+Enter
  // saves it and moves on.
  async function label(l) {
    if (!st.trace) return;
    st.pending.label = l;
    if (l === 'fail') {
      st.dirty = true;
      renderPanel();
      $('notes').focus();
      status('fail: add a note, then Ctrl+Enter to save and go on');
      return;
    }
    const same = st.saved && !st.saved.stale && st.saved.label === l;
    if (st.dirty || !same) await save();
    await moveOn();
  }

  async function saveAndNext() {
    if (!st.trace) return;
    if (st.dirty) await save();
    await moveOn();
  }

  async function moveOn() {
    if (st.pos + 1 < st.total) await go(st.pos + 1);
    else status('that was the last trace of the list');
  }

  async function undo() {
    if (st.dirty) { // an unsaved change: drop it
      resetPending();
      renderPanel();
      status('unsaved change dropped');
      return;
    }
    const r = await api('POST', '/api/undo', {});
    setProgress(r.progress);
    updateWindowRow(r.row, r.label);
    if (r.index >= 0) await go(r.index);
    status('undone: row ' + r.row + ' is ' + (r.label && r.label.label ? r.label.label : 'unlabelled') + ' again');
  }

  // ---- filter ----
  async function applyFilter(text) {
    const err = $('filter-error');
    status(text.trim() ? 'filtering: every row group is read once…' : '');
    try {
      const r = await api('POST', '/api/filter', { filter: text });
      err.hidden = true;
      $('filter').value = r.filter;
      setProgress(r.progress);
      st.win = { offset: 0, rows: [] };
      st.total = r.progress.total;
      $('filter').blur();
      if (st.total === 0) { renderEmpty(); return; }
      await go(Math.max(r.progress.first_left, 0));
      status(r.filter ? st.total + ' rows match the filter' : 'filter cleared');
    } catch (e) {
      let msg = e.message;
      if (e.column > 0) msg += '\n' + text + '\n' + ' '.repeat(e.column - 1) + '^';
      err.textContent = msg;
      err.hidden = false;
      status('');
    }
  }

  // ---- rendering: progress and panel ----
  function setProgress(p) {
    st.progress = p;
    st.total = p.total;
    const box = $('progress');
    box.replaceChildren(
      el('div', null, el('span', { class: 'big' }, String(p.left)), ' of ' + p.total + ' left'),
      el('div', { class: 'counts' },
        el('span', null, el('span', { class: 'dot pass' }), p.pass + ' pass'),
        el('span', null, el('span', { class: 'dot fail' }), p.fail + ' fail'),
        el('span', null, el('span', { class: 'dot defer' }), p.defer + ' defer'),
        el('span', null, el('span', { class: 'dot stale' }), p.stale + ' stale')));
    const done = p.total ? (p.total - p.left) / p.total : 0;
    $('progress-fill').style.width = (done * 100).toFixed(1) + '%';
  }

  function renderPanel() {
    for (const b of document.querySelectorAll('.lbl')) {
      b.classList.toggle('on', b.dataset.label === st.pending.label);
    }
    const s = st.saved;
    const box = $('label-state');
    if (!st.trace) { box.replaceChildren(); return; }
    if (!s || !s.label) {
      box.replaceChildren('not labelled' + (st.dirty ? ' · unsaved change' : ''));
    } else if (s.stale) {
      box.replaceChildren(el('b', { class: 'stale' }, 'stale'), ' — labelled ',
        el('b', { class: s.label }, s.label), ' on an earlier version of this trace');
    } else {
      box.replaceChildren('saved ', el('b', { class: s.label }, s.label),
        s.reviewer ? ' by ' + s.reviewer : '', s.ts ? ' · ' + s.ts.replace('T', ' ').replace('Z', ' UTC') : '',
        st.dirty ? ' · unsaved change' : '');
    }
    renderStrip();
  }

  function renderStrip() {
    const strip = $('strip');
    const chips = [];
    const from = Math.max(st.pos - 4, st.win.offset);
    const to = Math.min(from + 9, st.win.offset + st.win.rows.length);
    for (let p = from; p < to; p++) {
      const r = st.win.rows[p - st.win.offset];
      const cls = [r.stale ? 'stale' : r.label, p === st.pos ? 'here' : ''].join(' ');
      const target = p;
      chips.push(el('button', { type: 'button', class: cls, title: 'row ' + r.row + (r.label ? ' · ' + r.label : ''), onclick: () => enqueue(async () => { if (st.dirty) await save(); await go(target); }) }, String(r.row)));
    }
    strip.replaceChildren(...chips);
  }

  function renderEmpty() {
    st.trace = null;
    $('trace-head').replaceChildren();
    $('badges').replaceChildren();
    $('messages').replaceChildren(el('div', { class: 'empty' }, 'No rows match the filter.'));
    renderPanel();
  }

  // ---- rendering: the trace ----
  function renderTrace() {
    const t = st.trace;
    $('trace-head').replaceChildren(
      el('h1', null, 'Row ' + t.row),
      el('span', { class: 'muted' }, t.column + ' · ' + (st.pos + 1) + ' of ' + st.total),
      el('span', { class: 'hash', title: 'trace hash' }, t.trace_hash));
    $('badges').replaceChildren(...badges(t));
    const box = $('messages');
    const nodes = [];
    if (t.label && t.label.stale) {
      nodes.push(el('div', { class: 'stale-note' }, 'This trace changed since it was labelled ' + t.label.label + ': the label is stale. Label it again.'));
    }
    if (!t.has_trace) {
      nodes.push(el('div', { class: 'empty' }, 'This row has no ' + t.column + ' trace (the cell was skipped or kept no trace).'));
    }
    let callNo = 0;
    t.messages.forEach((m) => {
      nodes.push(message(m, () => callNo++));
    });
    box.replaceChildren(...nodes);
  }

  function badge(cls, k, v, title) {
    return el('span', { class: 'badge ' + cls, title: title || (k ? k + ': ' + v : String(v)) },
      k ? el('span', { class: 'k' }, k) : null, String(v));
  }

  function badges(t) {
    const out = [];
    for (const [k, v] of Object.entries(t.metadata || {})) {
      out.push(badge('meta', k, typeof v === 'string' ? v : JSON.stringify(v)));
    }
    for (const s of t.scores || []) {
      out.push(badge('score', s.key, s.score === null || s.score === undefined ? '–' : String(s.score), s.reasoning ? s.key + ': ' + s.reasoning : undefined));
    }
    const r = t.run;
    if (r) {
      for (const m of r.models) out.push(badge('model', 'model', m));
      out.push(badge('run', 'latency', fmtSeconds(r.latency)));
      if (r.total_tokens) {
        let tok = r.prompt_tokens + ' in · ' + r.completion_tokens + ' out';
        if (r.reasoning_tokens) tok += ' · ' + r.reasoning_tokens + ' reasoning';
        out.push(badge('run', 'tokens', tok));
      }
      if (r.requests > 1) out.push(badge('run', 'requests', r.requests));
      for (const tag of r.tags) out.push(badge('warn', null, tag));
      if (r.status === 'error') out.push(badge('err', 'error', r.error || 'error'));
    }
    if (t.run_error) out.push(badge('err', 'span log', t.run_error));
    const s = t.summary;
    let sum = s.tool_calls + ' tool call' + (s.tool_calls === 1 ? '' : 's') + ' in ' + s.turns + ' turn' + (s.turns === 1 ? '' : 's');
    out.push(badge('run', 'tools', sum));
    if (s.tool_errors) out.push(badge('err', 'tool errors', s.tool_errors));
    return out;
  }

  function fmtSeconds(s) {
    if (s < 1) return (s * 1000).toFixed(s < 0.01 ? 1 : 0) + ' ms';
    return s.toFixed(2) + ' s';
  }

  function message(m, nextCall) {
    const cls = 'msg role-' + (/^[a-z]+$/.test(m.role) ? m.role : 'other') + (m.error ? ' error' : '');
    const body = [];
    if (m.reasoning) {
      const lines = m.reasoning.split('\n').length;
      body.push(el('details', { class: 'reasoning' },
        el('summary', null, 'reasoning · ' + lines + ' line' + (lines === 1 ? '' : 's')),
        el('div', { class: 'text' }, m.reasoning)));
    }
    if (m.text) body.push(...richText(m.text));
    if (m.images && m.images.length) {
      body.push(el('div', { class: 'images' }, ...m.images.map((u) => el('div', null, '[image, not loaded] ' + u))));
    }
    for (const c of m.tool_calls || []) body.push(toolCall(c, nextCall()));
    const head = el('div', { class: 'role' }, m.role + (m.tool_call_id ? ' · ' + m.tool_call_id : '') + (m.error ? ' · error' : ''));
    if (m.role === 'system') {
      const first = (m.text || '').split('\n')[0];
      return el('div', { class: cls }, el('details', null,
        el('summary', null, el('span', { class: 'role' }, 'system'), ' ', el('span', { class: 'muted' }, clip(first, 90))),
        ...body));
    }
    return el('div', { class: cls }, head, ...body);
  }

  function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  function toolCall(c, n) {
    const callId = 'call-' + n;
    const resultId = 'result-' + n;
    const parts = [
      el('div', { class: 'call-head' },
        el('span', null, '→'), el('span', { class: 'name' }, c.name), el('span', { class: 'id' }, c.id),
        c.result ? el('a', { href: '#' + resultId }, 'result ↓') : null),
      el('div', { class: 'call-args' }, ...richText(c.arguments || '{}')),
    ];
    if (c.result) {
      const r = c.result;
      const meta = [];
      if (r.latency !== undefined && r.latency !== null) meta.push(fmtSeconds(r.latency));
      for (const tag of r.tags || []) meta.push(tag);
      parts.push(el('div', { class: 'result' + (r.error ? ' error' : ''), id: resultId },
        el('div', { class: 'result-head' },
          el('span', null, r.error ? '← error' : '← result'), el('span', { class: 'id' }, meta.join(' · ')),
          el('a', { href: '#' + callId }, 'call ↑')),
        el('div', { class: 'body' }, ...richText(r.text))));
    } else {
      parts.push(el('div', { class: 'result missing' }, '← no result in the trace'));
    }
    return el('div', { class: 'call', id: callId }, ...parts);
  }

  // richText splits text into plain text, ```lang fenced code blocks and
  // JSON (the whole text parses as an object or array) — all as text nodes.
  function richText(text) {
    const json = asJSON(text);
    if (json !== undefined) return [jsonBlock(json)];
    const out = [];
    const fence = /```([\w+#.-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
    let last = 0;
    let m;
    const plain = (from, to) => {
      const t = text.slice(from, to).replace(/^\n/, from > 0 ? '' : '\n').replace(/\n$/, '');
      if (t) out.push(el('div', { class: 'text' }, t));
    };
    while ((m = fence.exec(text)) !== null) {
      if (m.index > last) plain(last, m.index);
      out.push(codeBlock(m[2].replace(/\n$/, ''), m[1].toLowerCase()));
      last = fence.lastIndex;
      if (m[0].length === 0) break;
    }
    if (last === 0) return [el('div', { class: 'text' }, text)];
    if (last < text.length) plain(last, text.length);
    return out;
  }

  function asJSON(text) {
    const t = text.trim();
    if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return undefined;
    try { return JSON.parse(t); } catch (_) { return undefined; }
  }

  function jsonBlock(v) {
    const pretty = JSON.stringify(v, null, 2);
    const lines = pretty.split('\n').length;
    const what = Array.isArray(v) ? 'array · ' + v.length + ' item' + (v.length === 1 ? '' : 's')
      : 'object · ' + Object.keys(v).length + ' key' + (Object.keys(v).length === 1 ? '' : 's');
    const code = el('code');
    code.append(highlight(pretty, 'json'));
    return el('details', { class: 'json', open: lines <= 40 }, el('summary', null, 'JSON ' + what), el('pre', null, code));
  }

  function codeBlock(src, lang) {
    const code = el('code');
    code.append(highlight(src, lang));
    return el('div', null, lang ? el('div', { class: 'code-lang' }, lang) : null, el('pre', null, code));
  }

  // ---- a small highlighter: text nodes and <span class="tok-*"> only ----
  const KEYWORDS = new Set((
    'def class return if elif else for while in import from as with try except finally raise lambda ' +
    'None True False and or not is pass break continue yield async await global nonlocal ' +
    'function const let var new this typeof instanceof null undefined true false switch case default ' +
    'func package type struct interface go defer chan map range nil ' +
    'select where group by order limit join left right inner outer on insert into values update set ' +
    'delete create table having distinct union all count sum avg min max asc desc'
  ).split(' '));
  const LINE_COMMENT = { python: '#', py: '#', bash: '#', sh: '#', shell: '#', yaml: '#', yml: '#', ruby: '#', r: '#', sql: '--', json: null };

  function highlight(src, lang) {
    const frag = document.createDocumentFragment();
    const comment = lang in LINE_COMMENT ? LINE_COMMENT[lang] : '//';
    const caseless = lang === 'sql';
    let plain = '';
    const flush = () => { if (plain) { frag.append(plain); plain = ''; } };
    const tok = (cls, s) => { flush(); const sp = document.createElement('span'); sp.className = 'tok-' + cls; sp.textContent = s; frag.append(sp); };
    let i = 0;
    while (i < src.length) {
      const c = src[i];
      if (comment && src.startsWith(comment, i)) {
        let j = src.indexOf('\n', i);
        if (j < 0) j = src.length;
        tok('com', src.slice(i, j));
        i = j;
      } else if (c === '"' || c === "'" || c === '`') {
        let j = i + 1;
        while (j < src.length && src[j] !== c && !(src[j] === '\n' && c !== '`')) j += src[j] === '\\' ? 2 : 1;
        j = Math.min(j + 1, src.length);
        const s = src.slice(i, j);
        const isKey = lang === 'json' && /^\s*:/.test(src.slice(j, j + 3));
        tok(isKey ? 'key' : 'str', s);
        i = j;
      } else if (/[0-9]/.test(c) && !/[\w.]/.test(src[i - 1] || '')) {
        const m = /^[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i, i + 64));
        tok('num', m[0]);
        i += m[0].length;
      } else if (/[A-Za-z_]/.test(c)) {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 256));
        const w = m[0];
        if (KEYWORDS.has(caseless ? w.toLowerCase() : w)) tok(lang === 'json' ? 'lit' : 'kw', w);
        else plain += w;
        i += w.length;
      } else {
        plain += c;
        i++;
      }
    }
    flush();
    return frag;
  }

  // ---- report ----
  async function showReport() {
    const view = $('report-view');
    const r = await api('GET', '/api/report');
    const pct = (x) => (x === null || x === undefined ? '–' : Math.round(x * 100) + '%');
    const card = (cls, n, what) => el('div', { class: 'card ' + cls }, el('div', { class: 'n' }, String(n)), el('div', { class: 'what' }, what));
    const rateCell = (x, n, d) => {
      const bar = el('span', { class: 'rate-bar' }, el('span'));
      if (x !== null && x !== undefined) bar.firstChild.style.width = Math.round(x * 100) + '%';
      return el('td', { class: 'num' }, el('span', { class: 'rate' }, pct(x)), ' ', el('span', { class: 'muted' }, d ? '(' + n + '/' + d + ')' : ''), bar);
    };
    const rows = r.judges.map((a) => a.skipped
      ? el('tr', null, el('td', null, a.key), el('td', { colSpan: 5 }, a.skipped))
      : el('tr', null,
        el('td', null, el('b', null, a.key)),
        el('td', null, a.rule),
        rateCell(a.tpr, a.judge_pass, a.human_pass),
        rateCell(a.tnr, a.judge_fail, a.human_fail),
        rateCell(a.agreement, a.judge_pass + a.judge_fail, a.human_pass + a.human_fail),
        el('td', { class: 'num' }, String(a.unscored))));
    view.replaceChildren(
      el('h1', null, 'Review report · ' + r.column),
      el('div', { class: 'muted' }, r.dir + ' · ' + r.rows + ' rows'),
      el('div', { class: 'cards' },
        card('pass', r.pass, 'pass'), card('fail', r.fail, 'fail'), card('defer', r.defer, 'defer'),
        card('stale', r.stale, 'stale (trace changed)'), card('', r.unlabelled, 'unlabelled')),
      el('h2', null, 'Judge agreement with the human labels'),
      r.judges.length === 0 ? el('p', { class: 'muted' }, 'This dataset has no llm-judge columns.') :
        el('table', { class: 'agree' },
          el('thead', null, el('tr', null, ...['judge score', 'judge passes if', 'true-positive rate', 'true-negative rate', 'agreement', 'unscored'].map((h) => el('th', null, h)))),
          el('tbody', null, ...rows)),
      el('p', { class: 'note' }, 'True-positive rate: judge passes among the rows people passed. True-negative rate: judge fails among the rows people failed. Stale and deferred labels are left out. Same numbers: synthgen review report DIR.'));
  }

  // ---- keys ----
  function onKey(ev) {
    if ($('review-view').hidden) return;
    const t = ev.target;
    const typing = t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' || t.isContentEditable);
    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'Enter') {
      ev.preventDefault();
      if (t && t.id === 'filter') enqueue(() => applyFilter($('filter').value));
      else enqueue(saveAndNext);
      return;
    }
    if (typing) {
      if (ev.key === 'Escape') { ev.preventDefault(); t.blur(); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    switch (ev.key) {
      case '1': enqueue(() => label('pass')); break;
      case '2': enqueue(() => label('fail')); break;
      case 'd': enqueue(() => label('defer')); break;
      case 'u': enqueue(undo); break;
      case 'ArrowLeft': enqueue(() => move(-1)); break;
      case 'ArrowRight': enqueue(() => move(1)); break;
      case '/': $('filter').focus(); $('filter').select(); break;
      case 'n': $('notes').focus(); break;
      default: return;
    }
    ev.preventDefault();
  }

  // ---- start ----
  async function start() {
    const isReport = location.pathname === '/report';
    $('nav-review').classList.toggle('active', !isReport);
    $('nav-report').classList.toggle('active', isReport);
    const s = await api('GET', '/api/state');
    st.column = s.column;
    $('where').textContent = '· ' + s.dir + ' · ' + s.column + (s.reviewer ? ' · ' + s.reviewer : '');
    $('filter').value = s.filter;
    setProgress(s.progress);
    if (isReport) {
      $('filter-form').hidden = true;
      $('report-view').hidden = false;
      await showReport();
      return;
    }
    $('review-view').hidden = false;
    if (s.bad_lines) status(s.bad_lines + ' unreadable line(s) in annotations.jsonl were skipped', true);

    document.addEventListener('keydown', onKey);
    $('filter-form').addEventListener('submit', (e) => { e.preventDefault(); enqueue(() => applyFilter($('filter').value)); });
    $('filter-clear').addEventListener('click', () => enqueue(() => applyFilter('')));
    $('notes').addEventListener('input', () => { st.pending.notes = $('notes').value; st.dirty = true; renderPanel(); });
    $('tags').addEventListener('input', () => { st.pending.tags = $('tags').value; st.dirty = true; renderPanel(); });
    for (const b of document.querySelectorAll('.lbl')) {
      b.addEventListener('click', () => enqueue(() => label(b.dataset.label)));
    }
    $('save').addEventListener('click', () => enqueue(saveAndNext));
    $('prev').addEventListener('click', () => enqueue(() => move(-1)));
    $('next').addEventListener('click', () => enqueue(() => move(1)));
    $('undo').addEventListener('click', () => enqueue(undo));

    if (st.total === 0) { renderEmpty(); return; }
    let pos = Math.max(s.progress.first_left, 0);
    const m = /^#row=(\d+)$/.exec(location.hash);
    if (m) {
      const w = await api('GET', '/api/rows?around=' + m[1] + '&limit=' + WINDOW);
      if (w.index >= 0) pos = w.index;
    }
    await go(pos);
    document.body.dataset.ready = '1';
  }

  document.addEventListener('DOMContentLoaded', () => {
    start().catch((e) => {
      const msg = el('div', { class: 'empty' }, 'Could not load: ' + e.message);
      document.body.append(msg);
    });
  });
})();
