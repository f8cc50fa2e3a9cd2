/**
 * Pre-flight and invocation of the external executables the kind backend
 * drives (kind, helm, docker, kubectl). Every binary can be overridden by an
 * environment variable (KIND_BIN, HELM_BIN, DOCKER_BIN, KUBECTL_BIN), which is
 * also how the tests put recording fakes in place.
 *
 * A missing tool is a ToolMissingError (exit 3) that says what to install; a
 * failing call is an EnvironmentError carrying the command and its stderr.
 */
import { execa, type Options } from 'execa';
import { EnvironmentError, ToolMissingError } from '../../common/errors.js';
import { redact } from '../../common/redact.js';

export type ToolName = 'kind' | 'helm' | 'docker' | 'kubectl';

const INSTALL_HINTS: Record<ToolName, string> = {
  kind: 'install kind ≥ 0.20 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation), or set KIND_BIN',
  helm: 'install Helm ≥ 3.6 (https://helm.sh/docs/intro/install/), or set HELM_BIN',
  docker: 'install a Docker engine and make sure `docker info` works for this user, or set DOCKER_BIN',
  kubectl: 'install kubectl (https://kubernetes.io/docs/tasks/tools/), or set KUBECTL_BIN',
};

const VERSION_ARGS: Record<ToolName, string[]> = {
  kind: ['version'],
  helm: ['version', '--short'],
  docker: ['version', '--format', '{{.Server.Version}}'],
  kubectl: ['version', '--client'],
};

export function toolPath(tool: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  return env[`${tool.toUpperCase()}_BIN`] ?? tool;
}

export interface ToolResult {
  stdout: string;
  stderr: string;
}

/** Runs a tool; ENOENT → ToolMissingError, non-zero exit → EnvironmentError with the command and stderr. */
export async function runTool(tool: ToolName, args: string[], options: Options = {}): Promise<ToolResult> {
  const bin = toolPath(tool, options.env ?? process.env);
  try {
    const result = await execa(bin, args, { reject: true, stripFinalNewline: true, ...options });
    return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; stderr?: unknown; shortMessage?: string };
    if (e.code === 'ENOENT') throw new ToolMissingError(tool, INSTALL_HINTS[tool]);
    const stderr = redact(String(e.stderr ?? '')).trim();
    // kind and helm put the reason on a line starting with ERROR:/Error:.
    const reason = stderr.split('\n').find((l) => /^(ERROR|Error):/.test(l.trim())) ?? stderr.split('\n').pop() ?? '';
    throw new EnvironmentError(`${tool} ${args.slice(0, 3).join(' ')} failed (exit ${e.exitCode ?? '?'}): ${reason.trim()}`, {
      tool,
      args,
      exitCode: e.exitCode,
      stderr,
    });
  }
}

/** Checks that each tool runs; the first missing one throws ToolMissingError naming what to install. */
export async function preflight(tools: ToolName[], env: NodeJS.ProcessEnv = process.env): Promise<Record<ToolName, string>> {
  const versions = {} as Record<ToolName, string>;
  for (const tool of tools) {
    const { stdout } = await runTool(tool, VERSION_ARGS[tool], { env });
    versions[tool] = stdout.split('\n')[0]?.trim() ?? '';
  }
  return versions;
}
