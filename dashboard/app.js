/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dashboard page: lists kept current from /events (a streaming fetch,
 * re-listing what an event touched), container actions, logs, terminal,
 * stats, pull and build. Everything goes through the public API of this
 * origin (api.js); on a read-only listener every control that writes is
 * disabled.
 */
'use strict';

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...kids);
  return e;
};
const q = encodeURIComponent;
const state = { readOnly: true, panel: null, term: null, logs: null, stats: null };

function showError(e) {
  $('#error').textContent = e ? String(e.message || e) : '';
}

function button(label, cls, fn) {
  const b = el('button', { class: cls, textContent: label });
  b.dataset.action = label.toLowerCase();
  if (cls.includes('write')) b.disabled = state.readOnly;
  b.addEventListener('click', () => { showError(null); Promise.resolve(fn()).catch(showError); });
  return b;
}

function humanSize(n) {
  const u = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return n.toFixed(i ? 1 : 0) + ' ' + u[i];
}

/* ---- lists */

async function refreshContainers() {
  const list = await api.json('/containers/json?all=1');
  const body = $('#containers tbody');
  body.replaceChildren(...list.map((c) => {
    const name = (c.Names && c.Names[0] || c.Id).replace(/^\//, '');
    const post = (what) => () => api.call('POST', `/containers/${q(c.Id)}/${what}`);
    const tr = el('tr', { 'data-name': name, 'data-state': c.State },
      el('td', { textContent: name }),
      el('td', { textContent: c.Image }),
      el('td', { class: 'state-' + c.State, textContent: c.State }),
      el('td', { textContent: c.Status }),
      el('td', {},
        button('Start', 'write', post('start')),
        button('Stop', 'write', post('stop')),
        button('Restart', 'write', post('restart')),
        button('Remove', 'write', () => api.call('DELETE', `/containers/${q(c.Id)}?force=1`)),
        button('Logs', '', () => openPanel(c.Id, name, 'logs')),
        button('Terminal', 'write', () => openPanel(c.Id, name, 'terminal')),
        button('Stats', '', () => openPanel(c.Id, name, 'stats'))));
    return tr;
  }));
}

async function refreshImages() {
  const list = await api.json('/images/json');
  $('#images tbody').replaceChildren(...list.map((i) => {
    const tags = (i.RepoTags || []).filter((t) => t !== '<none>:<none>');
    return el('tr', { 'data-tags': tags.join(' ') },
      el('td', { textContent: tags.join(', ') || '<none>' }),
      el('td', { textContent: i.Id.replace('sha256:', '').slice(0, 12) }),
      el('td', { textContent: humanSize(i.Size) }),
      el('td', {}, button('Remove', 'write', () => api.call('DELETE', `/images/${q(i.Id)}?force=1`))));
  }));
}

async function refreshNetworks() {
  const list = await api.json('/networks');
  $('#networks tbody').replaceChildren(...list.map((n) => el('tr', { 'data-name': n.Name },
    el('td', { textContent: n.Name }), el('td', { textContent: n.Driver }),
    el('td', { textContent: ((n.IPAM && n.IPAM.Config) || []).map((c) => c.Subnet).join(', ') }))));
}

async function refreshVolumes() {
  const r = await api.json('/volumes');
  $('#volumes tbody').replaceChildren(...(r.Volumes || []).map((v) => el('tr', { 'data-name': v.Name },
    el('td', { textContent: v.Name }), el('td', { textContent: v.Driver }),
    el('td', { textContent: v.Mountpoint }))));
}

const refreshers = { container: refreshContainers, image: refreshImages, network: refreshNetworks, volume: refreshVolumes };
const pending = {};

/* Several events in a burst (a pull, a compose up) cost one listing each. */
function refreshSoon(type) {
  if (!refreshers[type] || pending[type]) return;
  pending[type] = setTimeout(() => {
    delete pending[type];
    refreshers[type]().catch(showError);
    /* containers show their image; images their use */
    if (type === 'container') refreshers.image().catch(showError);
  }, 100);
}

/* /events as a fetch stream, reconnected from the last event seen. */
async function followEvents() {
  let since = Math.floor(Date.now() / 1000);
  for (;;) {
    try {
      const resp = await api.call('GET', `/events?since=${since}`);
      $('#events-state').textContent = 'events: live';
      await api.lines(resp, (ev) => {
        if (ev.time) since = ev.time;
        refreshSoon(ev.Type);
        document.body.dataset.events = String(Number(document.body.dataset.events || 0) + 1);
      });
    } catch (e) { /* reconnect below */ }
    $('#events-state').textContent = 'events: reconnecting';
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/* ---- the container panel: logs, terminal, stats */

function stopStreams() {
  for (const k of ['logs', 'stats']) {
    if (state[k]) state[k].abort();
    state[k] = null;
  }
  if (state.term) state.term.dispose();
  state.term = null;
}

async function openPanel(id, name, tab) {
  stopStreams();
  state.panel = { id, name };
  $('#panel').hidden = false;
  $('#panel-name').textContent = name;
  for (const p of document.querySelectorAll('.tabpane')) p.hidden = p.dataset.pane !== tab;
  for (const b of document.querySelectorAll('.tab')) b.classList.toggle('active', b.dataset.tab === tab);
  if (tab === 'logs') return streamLogs(id);
  if (tab === 'stats') return streamStats(id);
  state.term = new Term($('#term'));
  window.dashboard.term = state.term;
  return state.term.attach(id);
}

async function streamLogs(id) {
  const info = await api.json(`/containers/${q(id)}/json`);
  const out = $('#logs');
  const ctl = new AbortController();
  const dec = new TextDecoder();
  state.logs = ctl;
  out.textContent = '';
  const resp = await api.call('GET', `/containers/${q(id)}/logs?follow=1&stdout=1&stderr=1&tail=200`, { signal: ctl.signal });
  await api.frames(resp, info.Config.Tty, (stream, bytes) => {
    out.append(el('span', { class: stream === 2 ? 'error' : '', textContent: dec.decode(bytes, { stream: true }) }));
    out.scrollTop = out.scrollHeight;
  }).catch((e) => { if (e.name !== 'AbortError') throw e; });
}

async function streamStats(id) {
  const ctl = new AbortController();
  const cpu = new LineChart($('#cpu-chart'), '#4fc08d');
  const mem = new LineChart($('#mem-chart'), '#5aa9e6');
  state.stats = ctl;
  const resp = await api.call('GET', `/containers/${q(id)}/stats?stream=1`, { signal: ctl.signal });
  await api.lines(resp, (s) => {
    const c = s.cpu_stats || {}, p = s.precpu_stats || {};
    const dc = ((c.cpu_usage || {}).total_usage || 0) - ((p.cpu_usage || {}).total_usage || 0);
    const ds = (c.system_cpu_usage || 0) - (p.system_cpu_usage || 0);
    cpu.push(ds > 0 && dc > 0 ? (dc / ds) * (c.online_cpus || 1) * 100 : 0);
    mem.push(((s.memory_stats || {}).usage || 0) / 1048576);
    $('#panel').dataset.samples = String(cpu.values.length);
  }).catch((e) => { if (e.name !== 'AbortError') throw e; });
}

/* ---- pull with one progress bar per layer */

async function pull(ref) {
  const box = $('#pull-progress');
  box.replaceChildren();
  let image = ref, tag = 'latest';
  const at = ref.indexOf('@'), colon = ref.lastIndexOf(':');
  if (at < 0 && colon > ref.lastIndexOf('/')) { image = ref.slice(0, colon); tag = ref.slice(colon + 1); }
  const resp = await api.call('POST', `/images/create?fromImage=${q(image)}&tag=${q(tag)}`);
  const bars = {};
  await api.lines(resp, (m) => {
    if (m.error) throw new Error(m.error);
    if (!m.id || m.id === tag) {
      box.append(el('div', { class: 'pull-status', textContent: m.status || '' }));
      return;
    }
    let b = bars[m.id];
    if (!b) {
      b = bars[m.id] = { bar: el('progress', { max: 1, value: 0 }), text: el('span') };
      b.bar.dataset.values = '';
      box.append(el('div', { class: 'layer', 'data-layer': m.id }, el('span', { textContent: m.id }), b.bar, b.text));
    }
    const d = m.progressDetail || {};
    if (d.total) { b.bar.max = d.total; b.bar.value = d.current || 0; }
    if (/complete|Already exists/i.test(m.status || '')) b.bar.value = b.bar.max;
    b.bar.dataset.values += (b.bar.dataset.values ? ' ' : '') + (b.bar.value / b.bar.max).toFixed(3);
    b.text.textContent = m.status || '';
  });
}

/* ---- build: a Dockerfile and chosen files, tarred here, output streamed */

async function build() {
  const out = $('#build-out');
  out.textContent = '';
  const files = [{ name: 'Dockerfile', data: tar.encode($('#build-dockerfile').value) }];
  for (const f of $('#build-files').files) files.push({ name: f.name, data: new Uint8Array(await f.arrayBuffer()) });
  const tag = $('#build-tag').value.trim();
  const resp = await api.call('POST', '/build?rm=1' + (tag ? `&t=${q(tag)}` : ''),
    { body: tar.make(files), headers: { 'Content-Type': 'application/x-tar' } });
  await api.lines(resp, (m) => {
    if (m.stream) out.append(m.stream);
    if (m.error) out.append(el('span', { class: 'error', textContent: m.error + '\n' }));
    if (m.aux && m.aux.ID) out.dataset.imageId = m.aux.ID;
    out.scrollTop = out.scrollHeight;
  });
  out.dataset.done = 'true';
}

/* ---- start */

async function main() {
  window.dashboard = { term: null };
  const v = await api.json('/version');
  $('#engine').textContent = `${v.Version} · API ${v.ApiVersion}`;
  state.readOnly = await api.isReadOnly();
  $('#mode').textContent = state.readOnly ? 'read-only' : 'read-write';
  $('#mode').classList.toggle('ro', state.readOnly);
  document.body.dataset.mode = state.readOnly ? 'read-only' : 'read-write';
  for (const c of document.querySelectorAll('form.write button, form.write input, form.write textarea'))
    c.disabled = state.readOnly;
  $('#panel-close').addEventListener('click', () => { stopStreams(); $('#panel').hidden = true; });
  for (const b of document.querySelectorAll('.tab'))
    b.addEventListener('click', () => state.panel && openPanel(state.panel.id, state.panel.name, b.dataset.tab).catch(showError));
  $('#pull-form').addEventListener('submit', (ev) => {
    ev.preventDefault(); showError(null); pull($('#pull-ref').value.trim()).catch(showError);
  });
  $('#build-form').addEventListener('submit', (ev) => {
    ev.preventDefault(); showError(null); build().catch(showError);
  });
  followEvents();
  await Promise.all(Object.values(refreshers).map((f) => f().catch(showError)));
  document.body.dataset.ready = 'true';
}

main().catch(showError);
