/** The manager spec: parse `--manager`, plan what to deploy, know its log format. */
export { parseManagerSpec, loadManagerSpec, typeSetValue, MANAGER_SPEC_GRAMMAR, type ManagerSpec, type LoadedManagerSpec, type ManagerKind, type SetPair } from './spec.js';
export { planManager, describeOverrides, type PlanOptions } from './plan.js';
export type { ManagerPlan, ManagerContainer, ManagerEnvVar, PodFieldMarker, Volume, VolumeMount, Probe, SecretFile } from './plan-types.js';
export { statusRateSecondsFor, type HarnessManagerValues, type ValueOverride } from './values.js';
export { managerLogFormat, isManagerProblemLine, REFERENCE_LOG_FORMAT, STARLINGX_LOG_FORMAT, type ManagerLogFormat } from './log-format.js';
export { UnsupportedTemplateError, TemplateRenderError, HelmTemplateError } from './errors.js';
export type { KubeObject } from './render.js';
