/**
 * Pod subresources that need a container runtime stream: `exec` (and so
 * `kubectl cp`), `attach` and `portforward`. The embedded cluster's pods are
 * plain process groups with no stream server, so these answer a Status that
 * says so, instead of a bare 404 that reads like a missing pod.
 */
import { ApiError } from './status.js';

export const STREAMING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

export function streamingUnsupported(subresource: string, pod: string): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    `pods/${subresource} is not supported by the rekey-chaos embedded cluster (pods are local process groups without a stream server); pod "${pod}" can be inspected with kubectl logs`,
    { name: pod, kind: 'pods' },
  );
}
