/** The endpoint table of the double: path, methods, whether a standby forwards it. */
import type { VaultCore } from './core.js';
import { GenerateRoot } from './generate-root.js';
import type { Ha } from './ha.js';
import type { Route } from './http.js';
import { Rekey } from './rekey.js';
import { haStatus, health, leader, lookupSelf, revokeSelf, sealStatus } from './status.js';
import { init, initStatus, join, unseal } from './unseal.js';

export function buildRoutes(core: VaultCore, ha: Ha): Route[] {
  const rekey = new Rekey(core);
  const generateRoot = new GenerateRoot(core);
  return [
    { path: '/v1/sys/health', methods: { GET: (r) => health(core, r), HEAD: (r) => health(core, r) } },
    { path: '/v1/sys/seal-status', methods: { GET: () => ({ status: 200, body: sealStatus(core) }) } },
    { path: '/v1/sys/unseal', methods: { PUT: (r) => unseal(core, r) } },
    { path: '/v1/sys/init', methods: { GET: () => initStatus(core), PUT: (r) => init(core, r) } },
    { path: '/v1/sys/storage/raft/join', methods: { PUT: (r) => join(core, r) } },
    { path: '/v1/sys/leader', methods: { GET: () => leader(core) } },
    { path: '/v1/sys/seal', methods: { PUT: (r) => ha.seal(r) } },
    { path: '/v1/sys/step-down', forward: true, methods: { PUT: (r) => ha.stepDown(r) } },
    { path: '/v1/sys/ha-status', forward: true, methods: { GET: (r) => haStatus(core, r) } },
    {
      path: '/v1/sys/rekey/init',
      forward: true,
      methods: { GET: () => rekey.getInit(), PUT: (r) => rekey.startInit(r), DELETE: () => rekey.cancelInit() },
    },
    { path: '/v1/sys/rekey/update', forward: true, methods: { PUT: (r) => rekey.update(r) } },
    {
      path: '/v1/sys/rekey/verify',
      forward: true,
      methods: { GET: () => rekey.getVerify(), PUT: (r) => rekey.verify(r), DELETE: () => rekey.resetVerify() },
    },
    {
      path: '/v1/sys/generate-root/attempt',
      forward: true,
      methods: { GET: () => generateRoot.get(), PUT: (r) => generateRoot.start(r), DELETE: () => generateRoot.cancel() },
    },
    { path: '/v1/sys/generate-root/update', forward: true, methods: { PUT: (r) => generateRoot.update(r) } },
    { path: '/v1/auth/token/lookup-self', forward: true, methods: { GET: (r) => lookupSelf(core, r) } },
    { path: '/v1/auth/token/revoke-self', forward: true, methods: { PUT: (r) => revokeSelf(core, r) } },
  ];
}
