/**
 * Getting images into the kind nodes. `kind load docker-image` exports the
 * image from Docker; with Docker's containerd image store (the default on
 * current Docker Engine) that export fails ("content digest … not found")
 * for images pulled for one platform only. The fallback saves the image to
 * an archive with `docker save` and loads it with `kind load image-archive`,
 * which works with either store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../../../common/errors.js';
import type { ToolRunner } from './node-faults.js';

/** The repository root: the build context of the reference manager's image. */
export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
export const REFERENCE_DOCKERFILE = path.join(REPO_ROOT, 'manager', 'deploy', 'Dockerfile');

export async function buildReferenceManagerImage(run: ToolRunner, image: string): Promise<void> {
  // The context is the repo root; .dockerignore keeps node_modules, state dirs and keys out of it.
  await run('docker', ['build', '-t', image, '-f', REFERENCE_DOCKERFILE, REPO_ROOT]);
}

/** True when Docker has the image locally (an image it lacks is left for the nodes to pull). */
export async function hasLocalImage(run: ToolRunner, image: string): Promise<boolean> {
  return run('docker', ['image', 'inspect', '--format', '{{.Id}}', image]).then(
    () => true,
    () => false,
  );
}

/** Loads each image into every node of the cluster, one at a time so a failure names its image. */
export async function loadImages(run: ToolRunner, clusterName: string, images: readonly string[]): Promise<void> {
  for (const image of [...new Set(images)]) {
    try {
      await run('kind', ['load', 'docker-image', image, '--name', clusterName]);
    } catch (first) {
      await loadThroughArchive(run, clusterName, image, first);
    }
  }
}

async function loadThroughArchive(run: ToolRunner, clusterName: string, image: string, first: unknown): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rekey-chaos-image-'));
  const archive = path.join(dir, 'image.tar');
  try {
    await run('docker', ['save', '-o', archive, image]);
    await run('kind', ['load', 'image-archive', archive, '--name', clusterName]);
  } catch (second) {
    const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
    throw new EnvironmentError(`cannot load image ${image} into kind cluster ${clusterName}: docker-image load failed (${why(first)}), and so did the archive fallback (${why(second)})`, { image, clusterName }, { cause: second });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
