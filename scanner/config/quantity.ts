// Kubernetes resource quantities (1Gi, 500M, 0.5Gi) as byte counts, for size limits in the spec.
const SUFFIX: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  m: 1e-3,
};

export function quantityBytes(q: string): number {
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|([KMGTPE]i|[numkKMGTPE]))?$/.exec(q.trim());
  if (!m) throw new Error(`not a quantity: "${q}"`);
  const base = Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : 1);
  const unit = m[3] === 'n' ? 1e-9 : m[3] === 'u' ? 1e-6 : SUFFIX[m[3] ?? ''];
  return Math.floor(base * unit);
}
