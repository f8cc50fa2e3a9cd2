#!/usr/bin/env node
// A recording stand-in for kind, helm, docker and kubectl (named by the link
// it is called through). It appends {tool, args, stdin} as one JSON line to
// $FAKE_TOOL_LOG and answers like the real tool for the calls the kind
// backend makes. $FAKE_FAIL="<tool> <first arg>=<stderr line>" makes that call
// fail with exit 1 and the given stderr, as the real tools do.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const tool = process.env.FAKE_TOOL_NAME ?? path.basename(process.argv[1]);
const args = process.argv.slice(2);
// Only calls that name stdin ('-') read it: other calls may have an open, never-ending stdin.
const stdin = args.includes('-') ? fs.readFileSync(0, 'utf8') : '';
if (process.env.FAKE_TOOL_LOG) fs.appendFileSync(process.env.FAKE_TOOL_LOG, JSON.stringify({ tool, args, stdin }) + '\n');

const fail = process.env.FAKE_FAIL ?? '';
const [failWhat, failText] = fail.split('=');
if (failWhat && failWhat === `${tool} ${args[0]}`) {
  process.stderr.write(`${failText}\n`);
  process.exit(1);
}

const out = (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
const flag = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };

switch (tool) {
  case 'kind':
    if (args[0] === 'version') out('kind v0.32.0 go1.24.4 linux/amd64');
    else if (args[0] === 'get' && args[1] === 'clusters') {
      const clusters = (process.env.FAKE_KIND_CLUSTERS ?? '').split(',').filter(Boolean);
      if (clusters.length) out(clusters.join('\n')); else process.stderr.write('No kind clusters found.\n');
    } else if (args[0] === 'get' && args[1] === 'kubeconfig') out(fs.readFileSync(process.env.FAKE_KUBECONFIG_SOURCE, 'utf8'));
    else if (args[0] === 'create' && args[1] === 'cluster') {
      process.stderr.write(`Creating cluster "${flag('--name')}" ...\n`);
      fs.copyFileSync(process.env.FAKE_KUBECONFIG_SOURCE, flag('--kubeconfig'));
    } else if (args[0] === 'delete') process.stderr.write(`Deleting cluster "${flag('--name')}" ...\n`);
    else if (args[0] === 'load') process.stderr.write('Image loaded\n');
    break;
  case 'helm':
    if (args[0] === 'version') out('v3.15.2+g1a500d5');
    else if (args[0] === 'repo') out(`"${args[2]}" has been added to your repositories`);
    else if (args[0] === 'upgrade') out(`Release "${args[2]}" has been upgraded. Happy Helming!`);
    break;
  case 'docker':
    if (args[0] === 'version') out('28.2.2');
    else if (args[0] === 'exec' && args[2] === 'crictl' && args[3] === 'ps') out('3f2a9c1d0b7e');
    else if (args[0] === 'exec' && args[2] === 'crictl' && args[3] === 'inspect') out('4242');
    break;
  case 'kubectl':
    if (args.includes('version')) out('Client Version: v1.31.0');
    else if (args.includes('wait')) out('node/rekey-chaos-control-plane condition met');
    else if (args.includes('apply')) out('statefulset.apps/sva-vault-manager configured');
    else if (args.includes('create') && args.includes('namespace')) out('namespace/vault created');
    break;
  default:
    process.stderr.write(`fake-tool: unknown tool ${tool}\n`);
    process.exit(2);
}
