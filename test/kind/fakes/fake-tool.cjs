#!/usr/bin/env node
// A recording stand-in for kind, helm, docker and kubectl (named by the link
// it is called through). It appends {tool, args, stdin} as one JSON line to
// $FAKE_TOOL_LOG and answers like the real tool for the calls the kind
// backend makes.
//
// $FAKE_FAIL="<tool> <args…>=<stderr line>" makes the calls whose leading
// arguments (kubectl's --kubeconfig left out) are <args…> fail with exit 1
// and that stderr, as the real tools do; several rules are separated by ";;".
// $FAKE_STATE_DIR keeps state across calls: node containers' restarts (each
// `docker start` moves the node to the next address) and images saved.
// $FAKE_POD_LOGS is JSON {"<pod>": "<lines>", "<pod> --previous": "<lines>"}.
// $FAKE_MISSING_IMAGES lists (comma-separated) images `docker image inspect` does not know.
// $FAKE_NODE_STALE_IP=1 keeps a restarted node's reported address the old one.
// $FAKE_HANG="<tool> <args…>" makes that call wait until killed (a signal arriving mid-call).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const tool = process.env.FAKE_TOOL_NAME ?? path.basename(process.argv[1]);
const args = process.argv.slice(2);
// Only calls that name stdin ('-') read it: other calls may have an open, never-ending stdin.
const stdin = args.includes('-') ? fs.readFileSync(0, 'utf8') : '';
if (process.env.FAKE_TOOL_LOG) fs.appendFileSync(process.env.FAKE_TOOL_LOG, JSON.stringify({ tool, args, stdin }) + '\n');

const verb = args[0] === '--kubeconfig' ? args.slice(2) : args;
const call = `${tool} ${verb.join(' ')}`;
const matches = (rule) => call === rule || call.startsWith(`${rule} `);
for (const rule of (process.env.FAKE_FAIL ?? '').split(';;').filter(Boolean)) {
  const at = rule.indexOf('=');
  if (matches(rule.slice(0, at))) {
    process.stderr.write(`${rule.slice(at + 1)}\n`);
    process.exit(1);
  }
}
if (process.env.FAKE_HANG && matches(process.env.FAKE_HANG)) setInterval(() => {}, 1 << 30);
else answer();

function answer() {
  const out = (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
  const flag = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const state = (name, fallback) => {
    const file = process.env.FAKE_STATE_DIR && path.join(process.env.FAKE_STATE_DIR, name);
    return file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : fallback;
  };
  const setState = (name, value) => process.env.FAKE_STATE_DIR && fs.writeFileSync(path.join(process.env.FAKE_STATE_DIR, name), value);
  switch (tool) {
    case 'kind':
      if (verb[0] === 'version') out('kind v0.25.0 go1.22.9 linux/amd64');
      else if (verb[0] === 'get' && verb[1] === 'clusters') {
        const clusters = (process.env.FAKE_KIND_CLUSTERS ?? '').split(',').filter(Boolean);
        if (clusters.length) out(clusters.join('\n')); else process.stderr.write('No kind clusters found.\n');
      } else if (verb[0] === 'get' && verb[1] === 'kubeconfig') out(fs.readFileSync(process.env.FAKE_KUBECONFIG_SOURCE, 'utf8'));
      else if (verb[0] === 'create' && verb[1] === 'cluster') {
        process.stderr.write(`Creating cluster "${flag('--name')}" ...\n`);
        fs.copyFileSync(process.env.FAKE_KUBECONFIG_SOURCE, flag('--kubeconfig'));
      } else if (verb[0] === 'delete') process.stderr.write(`Deleting cluster "${flag('--name')}" ...\n`);
      else if (verb[0] === 'load' && verb[1] === 'image-archive' && !fs.existsSync(verb[2])) { process.stderr.write(`ERROR: failed to open archive ${verb[2]}\n`); process.exit(1); }
      else if (verb[0] === 'load') process.stderr.write('Image loaded\n');
      break;
    case 'helm':
      if (verb[0] === 'version') out('v3.15.2+g1a500d5');
      else if (verb[0] === 'repo') out(`"${verb[2]}" has been added to your repositories`);
      else if (verb[0] === 'upgrade') out(`Release "${verb[2]}" has been upgraded. Happy Helming!`);
      else if (verb[0] === 'uninstall') out(`release "${verb[1]}" uninstalled`);
      break;
    case 'docker':
      if (verb[0] === 'version') out('28.2.2');
      else if (verb[0] === 'exec' && verb[2] === 'crictl' && verb[3] === 'ps') out('3f2a9c1d0b7e');
      else if (verb[0] === 'exec' && verb[2] === 'crictl' && verb[3] === 'inspect') out('4242');
      else if (verb[0] === 'image' && verb[1] === 'inspect') {
        const missing = (process.env.FAKE_MISSING_IMAGES ?? '').split(',');
        if (missing.includes(verb[verb.length - 1])) { process.stderr.write(`Error: No such image: ${verb[verb.length - 1]}\n`); process.exit(1); }
        out('sha256:5d1f0e2b');
      } else if (verb[0] === 'save') fs.writeFileSync(flag('-o'), 'image archive');
      else if (verb[0] === 'inspect') {
        const node = verb[verb.length - 1];
        out(`172.18.0.${10 + Number(state(`starts-${node}`, '0'))}`);
      } else if (verb[0] === 'start') {
        const node = verb[1];
        setState(`starts-${node}`, String(Number(state(`starts-${node}`, '0')) + 1));
        out(node);
      } else if (verb[0] === 'kill') out(verb[1]);
      break;
    case 'kubectl':
      if (verb.includes('version')) out('Client Version: v1.31.0');
      else if (verb[0] === 'logs') {
        const logs = JSON.parse(process.env.FAKE_POD_LOGS ?? '{}');
        const text = logs[verb.includes('--previous') ? `${verb[3]} --previous` : verb[3]];
        if (text) out(text);
      } else if (verb[0] === 'get' && verb[1] === 'nodes') {
        const matrix = (verb.find((a) => a.startsWith('rekey-chaos/node=')) ?? '').split('=')[1];
        const container = { 'controller-0': 'rekey-chaos-worker', 'controller-1': 'rekey-chaos-worker2', 'worker-0': 'rekey-chaos-worker3' }[matrix];
        if (container) out(container);
      } else if (verb[0] === 'get' && verb[1] === 'node') {
        // The kubelet reports the container's current address, unless told to stay on the old one.
        out(`172.18.0.${10 + (process.env.FAKE_NODE_STALE_IP ? 0 : Number(state(`starts-${verb[2]}`, '0')))}`);
      } else if (verb[0] === 'wait') out('condition met');
      else if (verb[0] === 'apply') out('configured');
      else if (verb[0] === 'create' && verb[1] === 'namespace') out('namespace/vault created');
      break;
    default:
      process.stderr.write(`fake-tool: unknown tool ${tool}\n`);
      process.exit(2);
  }
}
