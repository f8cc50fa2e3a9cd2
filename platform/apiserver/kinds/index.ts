/** Every resource this server serves, in discovery order. */
import type { ResourceDef } from '../resources.js';
import { persistentVolumeClaims, serviceAccounts } from './claims-accounts.js';
import { configMaps, secrets } from './config-data.js';
import { namespaces } from './namespace.js';
import { pods } from './pod.js';
import { roleBindings, roles } from './rbac.js';
import { services } from './service.js';

export const builtinResources: readonly ResourceDef[] = [namespaces, secrets, configMaps, pods, services, persistentVolumeClaims, serviceAccounts, roles, roleBindings];
