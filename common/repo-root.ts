/**
 * The checkout's root folder, for files the harness ships beside its code (scenarios, the
 * programs the embedded cluster bundles). Valid only where this module runs from its source
 * file; a bundled program is told the root on its command line instead.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
