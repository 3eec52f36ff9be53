// Turns the JSON Schema that zod emits into a Kubernetes structural schema (OpenAPI v3 subset):
// no $schema, no additionalProperties:false next to properties, no JS safe-integer bounds,
// `const` as a one-value enum.
type Schema = Record<string, unknown>;

const SAFE_MAX = Number.MAX_SAFE_INTEGER;

export function toStructural(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema' || key === 'id' || key === '$id') continue;
    if (key === 'additionalProperties' && value === false) continue;
    if ((key === 'maximum' && value === SAFE_MAX) || (key === 'minimum' && value === -SAFE_MAX)) continue;
    if (key === 'const') {
      out.enum = [value];
      continue;
    }
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toStructural(v)]));
    } else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object') {
      out[key] = toStructural(value as Schema);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((v: Schema) => toStructural(v));
    } else {
      out[key] = value;
    }
  }
  return out;
}
