// The built-in model's files and their manifest: what the trainer writes and the detector reads.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FeatureConfig } from './features.js';

export const MODEL_FILE = 'prompt-injection.onnx';
export const MANIFEST_FILE = 'prompt-injection.json';
export const SAMPLE_FILE = 'sample-scores.json';

export interface Manifest {
  name: string;
  /** "pi-" + the first 16 hex digits of the ONNX file's SHA-256: part of the verdict cache key. */
  version: string;
  sha256: string;
  features: FeatureConfig;
  /** The operating point: a raw logit of `logit` is served as score 0.5. */
  threshold: { logit: number; score: 0.5; maxFpr: number; chosenOn: string };
  /** How the artefact was made (training configuration, data hash, cross-validation summary). */
  training: Record<string, unknown>;
}

export const versionOf = (sha256: string) => `pi-${sha256.slice(0, 16)}`;

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The directory of the built-in model: next to this module when run from source, or the source
 * tree's copy when run from the compiled dist/ (tsc does not copy binary files).
 */
export function builtinModelDir(): string {
  for (const rel of ['./model/', '../../../scanner/classifier/model/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir + MODEL_FILE)) return dir;
  }
  throw new Error(`built-in model ${MODEL_FILE} not found next to ${fileURLToPath(import.meta.url)}`);
}

export interface LoadedArtefact {
  bytes: Uint8Array;
  manifest: Manifest;
}

/** Reads the model and its manifest, and checks that they belong together. */
export function loadArtefact(dir: string): LoadedArtefact {
  const path = dir.endsWith('/') ? dir : dir + '/';
  const bytes = readFileSync(path + MODEL_FILE);
  const manifest = JSON.parse(readFileSync(path + MANIFEST_FILE, 'utf8')) as Manifest;
  const hash = sha256(bytes);
  if (hash !== manifest.sha256)
    throw new Error(`${path}${MODEL_FILE} does not match ${MANIFEST_FILE} (sha256 ${hash.slice(0, 12)}… vs ${manifest.sha256.slice(0, 12)}…): retrain or restore both`);
  return { bytes, manifest };
}
