/**
 * Services, stored with Kubernetes' validation and defaults (a cluster IP
 * from 10.96.0.0/16, TCP, targetPort = port, node ports for NodePort and
 * LoadBalancer). Nothing routes them: inside the embedded cluster the
 * node agent's proxy serves the Vault active service by itself.
 */
import { invalidFields, type FieldProblem } from '../status.js';
import { AGE, ageOf, column, NAME } from '../table.js';
import { isPlainObject, metaFields, path, type KubeObject, type Peers, type ResourceDef } from '../resources.js';
import { bool, int, intOrString, kindSchema, list, mapOf, obj, open, str, strings } from '../schema.js';

const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const NODE_PORTS = { first: 30000, last: 32767 };

interface Port {
  name?: string;
  protocol?: string;
  port?: unknown;
  targetPort?: unknown;
  nodePort?: unknown;
  [k: string]: unknown;
}
interface Spec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: Port[];
  selector?: Record<string, string>;
  externalName?: string;
  [k: string]: unknown;
}

const specOf = (o: KubeObject) => (isPlainObject(o.spec) ? o.spec : {}) as Spec;

/** The lowest address of 10.96.0.0/16 past .10 that no other service holds (.1 is the API server's in a real cluster). */
function freeClusterIp(peers: Peers): string {
  const used = new Set(peers().map((s) => specOf(s).clusterIP));
  for (let i = 10; i < 65535; i++) {
    const ip = `10.96.${i >> 8}.${i & 255}`;
    if (!used.has(ip)) return ip;
  }
  throw new Error('service cluster IP range 10.96.0.0/16 is exhausted');
}

function freeNodePort(peers: Peers, taken: Set<number>): number {
  for (const s of peers()) for (const p of specOf(s).ports ?? []) if (typeof p.nodePort === 'number') taken.add(p.nodePort);
  for (let p = NODE_PORTS.first; p <= NODE_PORTS.last; p++) if (!taken.has(p)) return p;
  throw new Error('node port range is exhausted');
}

function prepareService(o: KubeObject, previous: KubeObject | undefined, peers: Peers): void {
  const spec = specOf(o);
  o.spec = spec;
  const old = previous ? specOf(previous) : undefined;
  const problems: FieldProblem[] = [];
  spec.type ??= 'ClusterIP';
  if (!TYPES.includes(spec.type)) problems.push({ field: 'spec.type', problem: `Unsupported value: ${JSON.stringify(spec.type)}: supported values: ${TYPES.map((t) => `"${t}"`).join(', ')}`, reason: 'FieldValueNotSupported' });
  const headless = spec.clusterIP === 'None';
  const external = spec.type === 'ExternalName';
  if (external) {
    if (!spec.externalName) problems.push({ field: 'spec.externalName', problem: 'Required value', reason: 'FieldValueRequired' });
  } else {
    // An update that leaves the cluster IP out keeps the allocated one; changing it is refused.
    if (old?.clusterIP && (spec.clusterIP === undefined || spec.clusterIP === '')) spec.clusterIP = old.clusterIP;
    if (old?.clusterIP && old.type !== 'ExternalName' && spec.clusterIP !== old.clusterIP)
      problems.push({ field: 'spec.clusterIP', problem: `Invalid value: ${JSON.stringify(spec.clusterIP)}: field is immutable` });
    if (!spec.clusterIP) spec.clusterIP = freeClusterIp(() => peers().filter((p) => p.metadata.uid !== o.metadata.uid));
    spec.clusterIPs = [spec.clusterIP];
    if (!headless) {
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
    spec.sessionAffinity ??= 'None';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !headless && !external) problems.push({ field: 'spec.ports', problem: 'Required value', reason: 'FieldValueRequired' });
  const names = new Set<string>();
  const needsNodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const nodePortsHere = new Set<number>();
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    p.protocol ??= 'TCP';
    if (!PROTOCOLS.includes(p.protocol)) problems.push({ field: `${at}.protocol`, problem: `Unsupported value: ${JSON.stringify(p.protocol)}: supported values: "SCTP", "TCP", "UDP"`, reason: 'FieldValueNotSupported' });
    if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) problems.push({ field: `${at}.port`, problem: `Invalid value: ${JSON.stringify(p.port)}: must be between 1 and 65535, inclusive` });
    if (ports.length > 1 && !p.name) problems.push({ field: `${at}.name`, problem: 'Required value', reason: 'FieldValueRequired' });
    if (p.name) {
      if (names.has(p.name)) problems.push({ field: `${at}.name`, problem: `Duplicate value: ${JSON.stringify(p.name)}`, reason: 'FieldValueDuplicate' });
      names.add(p.name);
    }
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    if (needsNodePort && p.nodePort === undefined) {
      const kept = old?.ports?.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === p.protocol)?.nodePort;
      p.nodePort = typeof kept === 'number' ? kept : freeNodePort(() => peers().filter((s) => s.metadata.uid !== o.metadata.uid), new Set(nodePortsHere));
    }
    if (typeof p.nodePort === 'number') nodePortsHere.add(p.nodePort);
  });
  if (ports.length > 0) spec.ports = ports;
  o.status = isPlainObject(o.status) ? o.status : { loadBalancer: {} };
  if (problems.length > 0) throw invalidFields('Service', o.metadata.name, problems);
}

function portsCell(spec: Spec): string {
  const ports = spec.ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${String(p.port)}${typeof p.nodePort === 'number' ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function externalIpCell(o: KubeObject, spec: Spec): string {
  if (spec.type === 'ExternalName') return spec.externalName ?? '<none>';
  const ingress = ((o.status as { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } } | undefined)?.loadBalancer?.ingress ?? [])
    .map((i) => i.ip ?? i.hostname)
    .filter(Boolean);
  const explicit = Array.isArray(spec.externalIPs) ? (spec.externalIPs as string[]) : [];
  const all = [...explicit, ...(ingress as string[])];
  if (all.length > 0) return all.join(',');
  return spec.type === 'LoadBalancer' ? '<pending>' : '<none>';
}

const selectorCell = (spec: Spec) =>
  spec.selector && Object.keys(spec.selector).length > 0
    ? Object.entries(spec.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : '<none>';

const servicePort = obj({ name: str(), protocol: str(), appProtocol: str(), port: int(), targetPort: intOrString(), nodePort: int() }, ['port']);

export const services: ResourceDef = {
  name: 'services',
  kind: 'Service',
  group: '',
  version: 'v1',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  hasStatus: true,
  fields: { ...metaFields, 'spec.clusterIP': (o) => path(o, 'spec', 'clusterIP'), 'spec.type': (o) => path(o, 'spec', 'type') },
  schema: kindSchema({
    spec: obj({
      type: str(),
      selector: mapOf(str()),
      ports: list(servicePort, { key: 'port' }),
      clusterIP: str(),
      clusterIPs: strings(),
      externalIPs: strings(),
      externalName: str(),
      externalTrafficPolicy: str(),
      internalTrafficPolicy: str(),
      ipFamilies: strings(),
      ipFamilyPolicy: str(),
      loadBalancerIP: str(),
      loadBalancerSourceRanges: strings(),
      loadBalancerClass: str(),
      allocateLoadBalancerNodePorts: bool(),
      healthCheckNodePort: int(),
      publishNotReadyAddresses: bool(),
      sessionAffinity: str(),
      sessionAffinityConfig: open(),
      trafficDistribution: str(),
    }),
    status: open(),
  }),
  printer: {
    columns: [
      NAME,
      column('Type', 'string', 'The type of the service.'),
      column('Cluster-IP', 'string', 'The IP address of the service inside the cluster.'),
      column('External-IP', 'string', 'The external addresses of the service.'),
      column('Port(s)', 'string', 'The ports the service exposes.'),
      AGE,
      column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
    ],
    cells(o, now) {
      const spec = specOf(o);
      return [o.metadata.name, spec.type ?? 'ClusterIP', spec.clusterIP || '<none>', externalIpCell(o, spec), portsCell(spec), ageOf(o, now), selectorCell(spec)];
    },
  },
  prepare: prepareService,
};
