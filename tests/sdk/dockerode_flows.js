// SPDX-License-Identifier: Apache-2.0
// npm's dockerode flows as its users write them (issue 14), against berthd.
// Usage: NODE_PATH=<node_modules> node dockerode_flows.js SOCKET REGISTRY
// Prints "ok<TAB>desc" or "fail<TAB>desc<TAB>detail" per check
// (tests/helpers/lib.sh's tap_lines turns them into TAP).
'use strict';
const Docker = require('dockerode');
const tar = require('tar-stream');
const { PassThrough } = require('stream');

const [socketPath, registry] = process.argv.slice(2);
const docker = new Docker({ socketPath });
const image = `${registry}/busybox:latest`;

function say(ok, desc, detail) {
  const d = detail === undefined ? '' : String(typeof detail === 'string' ? detail : JSON.stringify(detail));
  console.log(ok ? `ok\t${desc}` : `fail\t${desc}\t${d.replace(/[\t\n]/g, ' ').slice(0, 400)}`);
}

function collect(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function within(ms, promise, what) {
  return Promise.race([promise, new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out: ${what}`)), ms))]);
}

async function flow(name, fn) {
  try {
    await within(60000, fn(), name);
  } catch (e) {
    say(false, `${name} raised`, e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
  }
}

async function pullFlow() {
  const stream = await docker.pull(`${registry}/app1:latest`);
  const progress = [];
  const final = await new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out)), (ev) => progress.push(ev));
  });
  const layers = new Set(progress.filter((e) => e.id && e.progressDetail).map((e) => e.id));
  say(layers.size >= 1, 'pull + modem.followProgress reports per-layer progress', [...layers]);
  say(progress.some((e) => e.status === 'Download complete' || e.status === 'Pull complete'),
    '... with the layers completing', progress.map((e) => e.status).slice(-5));
  say(final.some((e) => /^Status: /.test(e.status || '')), '... and ends with a Status line', final.slice(-2));
  await new Promise((resolve, reject) => {
    docker.pull(image, (err, s) => (err ? reject(err) : docker.modem.followProgress(s, (e2) => (e2 ? reject(e2) : resolve()))));
  });
}

async function runFlow() {
  const out = new PassThrough();
  const got = collect(out);
  const [data, container] = await docker.run(image, ['sh', '-c', 'echo from-run; echo to-stderr >&2'], out, { Tty: false });
  out.end();
  const text = (await got).toString();
  say(data.StatusCode === 0, 'docker.run resolves with the exit status', data);
  say(text.includes('from-run') && text.includes('to-stderr'), 'docker.run streams the output to the stream given', text);
  await container.remove();
}

async function buildFlow() {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile' }, `FROM ${image}\nRUN echo node-building\nCMD ["echo", "built-by-node"]\n`);
  pack.finalize();
  const stream = await docker.buildImage(pack, { t: 'nodeflow-built' });
  const out = await new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err, res) => (err ? reject(err) : resolve(res)));
  });
  const text = out.map((e) => e.stream || '').join('');
  say(text.includes('node-building'), 'buildImage with a tar stream streams the RUN output', text.slice(-200));
  say(out.some((e) => e.aux && e.aux.ID), '... and the aux ID', out.slice(-2));
  const img = await docker.getImage('nodeflow-built').inspect();
  say(JSON.stringify(img.Config.Cmd) === '["echo","built-by-node"]', 'the built image has its CMD', img.Config.Cmd);
}

async function eventsFlow() {
  const events = await docker.getEvents({ filters: { type: ['container'], event: ['start'] } });
  const seen = new Promise((resolve) => {
    let buf = '';
    events.on('data', (c) => {
      buf += c.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) {
          const ev = JSON.parse(line);
          if (ev.Actor && ev.Actor.Attributes && ev.Actor.Attributes.name === 'nodeflow-ev') resolve(ev);
        }
      }
    });
  });
  const c = await docker.createContainer({ Image: image, Cmd: ['true'], name: 'nodeflow-ev' });
  await c.start();
  const ev = await within(15000, seen, 'start event');
  say(ev.Action === 'start' && ev.Type === 'container', 'getEvents streams a container start as it happens', ev);
  events.destroy();
  await c.wait();
  await c.remove();
}

async function attachFlow() {
  const c = await docker.createContainer({
    Image: image, Cmd: ['cat'], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, name: 'nodeflow-attach',
  });
  const stream = await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
  const out = new PassThrough();
  docker.modem.demuxStream(stream, out, out);
  const got = new Promise((resolve) => {
    let s = '';
    out.on('data', (d) => { s += d.toString(); if (s.includes('typed into attach')) resolve(s); });
  });
  await c.start();
  stream.write('typed into attach\n');
  const s = await within(15000, got, 'attach echo');
  say(s.includes('typed into attach'), 'container.attach (hijack) carries stdin and stdout', s);
  stream.end();
  const res = await within(15000, c.wait(), 'wait after stdin end');
  say(res.StatusCode === 0, '... and ending stdin ends cat (StdinOnce)', res);
  await c.remove();
}

async function execFlow() {
  const c = await docker.createContainer({ Image: image, Cmd: ['sleep', '60'], name: 'nodeflow-exec' });
  await c.start();
  const exec = await c.exec({ Cmd: ['sh', '-c', 'read x; echo got:$x; echo oops >&2'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  const o = collect(stdout);
  const e = collect(stderr);
  stream.write('hello\n');
  stream.end();
  await within(15000, new Promise((r) => stream.on('end', r)), 'exec stream end');
  stdout.end();
  stderr.end();
  say((await o).toString() === 'got:hello\n', 'exec.start({hijack, stdin}) runs with stdin, stdout demuxed', (await o).toString());
  say((await e).toString() === 'oops\n', '... and stderr apart', (await e).toString());
  const info = await exec.inspect();
  say(info.ExitCode === 0 && info.Running === false, 'exec.inspect gives the exit code', info);
  await c.remove({ force: true });
}

async function statsFlow() {
  const c = await docker.createContainer({ Image: image, Cmd: ['sleep', '60'], name: 'nodeflow-stats' });
  await c.start();
  const stream = await c.stats({ stream: true });
  const samples = await within(20000, new Promise((resolve) => {
    const got = [];
    let buf = '';
    stream.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) got.push(JSON.parse(line));
        if (got.length === 2) resolve(got);
      }
    });
  }), 'two stats samples');
  stream.destroy();
  const [a, b] = samples;
  say(a.cpu_stats && a.memory_stats && typeof a.memory_stats.usage === 'number', 'stats({stream:true}) gives cpu and memory stats', Object.keys(a));
  say(Date.parse(b.read) > Date.parse(a.read) && b.precpu_stats.cpu_usage.total_usage === a.cpu_stats.cpu_usage.total_usage,
    '... a second sample a period later, with the first as precpu', [a.read, b.read]);
  const one = await c.stats({ stream: false });
  say(one.memory_stats && one.name === '/nodeflow-stats', 'stats({stream:false}) gives one sample', one.name);
  await c.remove({ force: true });
}

(async () => {
  await flow('pull', pullFlow);
  await flow('run', runFlow);
  await flow('build', buildFlow);
  await flow('events', eventsFlow);
  await flow('attach', attachFlow);
  await flow('exec', execFlow);
  await flow('stats', statsFlow);
  process.exit(0);
})();
