// Turns the JSON Schema that zod emits into a Kubernetes structural schema (OpenAPI v3 subset):
// no $schema, no additionalProperties:false next to properties, no JS safe-integer bounds,
// `const` as a one-value enum, no propertyNames, maps of anything as preserved unknown fields,
// int-or-string unions in the one anyOf shape a structural schema allows, nullable values as
// `nullable: true`, and no regular
// expression behind `format: date-time` (Kubernetes checks the format itself).
type Schema = Record<string, unknown>;

const SAFE_MAX = Number.MAX_SAFE_INTEGER;

const isEmptySchema = (v: unknown) => !!v && typeof v === 'object' && Object.keys(v).length === 0;

export function toStructural(schema: Schema): Schema {
  // z.X().nullable() is anyOf [X, {type: null}]; Kubernetes spells it X with nullable: true.
  const anyOf = schema.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2 && anyOf.some((s: Schema) => s.type === 'null')) {
    const { anyOf: _anyOf, ...rest } = schema;
    return toStructural({ ...(anyOf.find((s: Schema) => s.type !== 'null') as Schema), ...rest, nullable: true });
  }
  if (schema['x-kubernetes-int-or-string']) {
    // Value checks inside this anyOf would make the schema non-structural; a CEL rule carries them.
    const { anyOf: _anyOf, ...rest } = schema;
    return convert(rest, true);
  }
  return convert(schema);
}

function convert(schema: Schema, intOrString = false): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema' || key === 'id' || key === '$id' || key === 'propertyNames') continue;
    if (key === 'additionalProperties' && value === false) continue;
    if ((key === 'maximum' && value === SAFE_MAX) || (key === 'minimum' && value === -SAFE_MAX)) continue;
    if (key === 'pattern' && schema.format === 'date-time') continue;
    if (key === 'const') {
      out.enum = [value];
      continue;
    }
    if (key === 'additionalProperties' && isEmptySchema(value)) {
      // z.record(z.string(), z.unknown()): an object Kubernetes keeps as given.
      out['x-kubernetes-preserve-unknown-fields'] = true;
      continue;
    }
    if (key === 'properties' && value && typeof value === 'object') {
      if (isEmptySchema(value) && isEmptySchema(schema.additionalProperties)) continue;
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toStructural(v)]));
    } else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object') {
      out[key] = toStructural(value as Schema);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((v: Schema) => toStructural(v));
    } else {
      out[key] = value;
    }
  }
  if (intOrString) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  return out;
}
