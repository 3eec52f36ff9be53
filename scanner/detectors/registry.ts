// The detectors a scanner runs. Adding a detector is adding its file and one line here.
import type { Detector } from './types.js';
import { invisibleDetector } from './invisible.js';

export async function createDetectors(): Promise<Detector[]> {
  const detectors: Detector[] = [invisibleDetector];
  await Promise.all(detectors.map((d) => d.ready?.()));
  return detectors;
}
