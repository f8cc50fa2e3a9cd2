/**
 * `executor.json`: who produced the results. Read from the CI system's
 * environment variables when one is present (GitHub Actions, GitLab CI,
 * Jenkins, or any system that sets CI), else a local executor named after the
 * host. Allure's reporter SDK has no writer for it, so it is plain `fs`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ExecutorInfo } from 'allure-js-commons/sdk';

type Env = Record<string, string | undefined>;

function num(v: string | undefined): number | undefined {
  const n = Number(v);
  return v !== undefined && Number.isInteger(n) ? n : undefined;
}

export function executorFromEnv(env: Env = process.env): ExecutorInfo {
  if (env.GITHUB_ACTIONS === 'true') {
    const repoUrl = `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY ?? ''}`;
    return {
      name: 'GitHub Actions',
      type: 'github',
      url: repoUrl,
      buildOrder: num(env.GITHUB_RUN_NUMBER),
      buildName: `${env.GITHUB_WORKFLOW ?? 'workflow'} #${env.GITHUB_RUN_NUMBER ?? '?'}`,
      buildUrl: env.GITHUB_RUN_ID ? `${repoUrl}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
      reportName: 'rekey-chaos',
    };
  }
  if (env.GITLAB_CI === 'true') {
    return {
      name: 'GitLab CI',
      type: 'gitlab',
      url: env.CI_PROJECT_URL,
      buildOrder: num(env.CI_PIPELINE_IID ?? env.CI_PIPELINE_ID),
      buildName: `${env.CI_JOB_NAME ?? 'job'} #${env.CI_PIPELINE_ID ?? '?'}`,
      buildUrl: env.CI_JOB_URL,
      reportName: 'rekey-chaos',
    };
  }
  if (env.JENKINS_URL) {
    return { name: 'Jenkins', type: 'jenkins', url: env.JENKINS_URL, buildOrder: num(env.BUILD_NUMBER), buildName: `${env.JOB_NAME ?? 'job'} #${env.BUILD_NUMBER ?? '?'}`, buildUrl: env.BUILD_URL, reportName: 'rekey-chaos' };
  }
  if (env.CI) return { name: 'CI', type: 'ci', buildName: env.BUILD_ID ?? env.CI_BUILD_ID, reportName: 'rekey-chaos' };
  return { name: 'local', type: 'local', buildName: `local run on ${hostname()}`, reportName: 'rekey-chaos' };
}

export function writeExecutor(resultsDir: string, info: ExecutorInfo = executorFromEnv()): void {
  mkdirSync(resultsDir, { recursive: true });
  const clean = Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined && v !== ''));
  writeFileSync(join(resultsDir, 'executor.json'), JSON.stringify(clean, null, 2));
}
