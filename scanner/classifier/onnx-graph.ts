// Builds the classifier's ONNX graph with onnx-proto (the ONNX protobuf schema for JavaScript).
//
//   ids     int64 [B, L]  bucket ids of each window's features (padding: any id, weight 0)
//   weights float [B, L]  L2-normalised counts
//
//   Gather(emb_q int8 [V, D], ids) ─► DequantizeLinear(scale, zero point) ─► [B, L, D]
//   MatMul(weights as [B, 1, L], ·) ─► [B, 1, D] ─► Reshape [B, D]            (the embedding bag)
//   MatMul W₁ᵀ + b₁ ─► Relu ─► MatMul w₂ + b₂ ─► logit [B, 1]
//   Sub calibration ─► Sigmoid ─► Reshape ─► score [B]
//
// The table is gathered while still int8 and only the gathered rows are dequantised, so the
// session keeps one byte per weight in memory and ONNX Runtime cannot constant-fold the table
// back to float. The dense layers are a few hundred floats and stay float32.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

export const ONNX_INPUT_IDS = 'ids';
export const ONNX_INPUT_WEIGHTS = 'weights';
export const ONNX_OUTPUT_SCORE = 'score';
export const ONNX_OUTPUT_LOGIT = 'logit';

export interface QuantisedParams {
  buckets: number;
  dim: number;
  hidden: number;
  /** buckets × dim, int8, symmetric: value = q · scale. */
  embQ: Int8Array;
  embScale: number;
  /** hidden × dim row-major. */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: number;
  /** Logit that maps to score 0.5: the decision threshold chosen in cross-validation. */
  calibration: number;
}

export interface GraphMeta {
  [key: string]: string;
}

const tensor = (name: string, dataType: number, dims: number[], data: { floatData?: number[]; int64Data?: number[]; rawData?: Uint8Array }) =>
  onnx.TensorProto.create({ name, dataType, dims, ...data });

const floats = (name: string, dims: number[], values: ArrayLike<number>) =>
  tensor(name, T.FLOAT, dims, { rawData: new Uint8Array(Float32Array.from(values).buffer) });

const valueInfo = (name: string, elemType: number, dims: Array<string | number>) =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });

const node = (opType: string, inputs: string[], outputs: string[], attrs: Array<{ name: string; ints?: number[]; i?: number }> = []) =>
  onnx.NodeProto.create({
    opType,
    input: inputs,
    output: outputs,
    name: outputs[0],
    attribute: attrs.map((a) =>
      onnx.AttributeProto.create(
        a.ints ? { name: a.name, type: onnx.AttributeProto.AttributeType.INTS, ints: a.ints } : { name: a.name, type: onnx.AttributeProto.AttributeType.INT, i: a.i },
      ),
    ),
  });

/** Serialised ONNX model (opset 13). Deterministic: the same parameters give the same bytes. */
export function buildOnnx(p: QuantisedParams, meta: GraphMeta): Uint8Array {
  const { buckets, dim, hidden } = p;
  const out = hidden > 0 ? hidden : dim;
  const init = [
    tensor('emb_q', T.INT8, [buckets, dim], { rawData: new Uint8Array(p.embQ.buffer, p.embQ.byteOffset, p.embQ.byteLength) }),
    floats('emb_scale', [], [p.embScale]),
    tensor('emb_zero', T.INT8, [], { rawData: new Uint8Array([0]) }),
    floats('w2', [out, 1], p.w2),
    floats('b2', [1], [p.b2]),
    floats('calibration', [1], [p.calibration]),
    tensor('shape_b1l', T.INT64, [3], { int64Data: [0, 1, -1] }),
    tensor('shape_bd', T.INT64, [2], { int64Data: [-1, dim] }),
    tensor('shape_b', T.INT64, [1], { int64Data: [-1] }),
  ];
  const nodes = [
    node('Gather', ['emb_q', ONNX_INPUT_IDS], ['rows_q'], [{ name: 'axis', i: 0 }]),
    node('DequantizeLinear', ['rows_q', 'emb_scale', 'emb_zero'], ['rows']),
    node('Reshape', [ONNX_INPUT_WEIGHTS, 'shape_b1l'], ['weights_b1l']),
    node('MatMul', ['weights_b1l', 'rows'], ['bag_b1d']),
    node('Reshape', ['bag_b1d', 'shape_bd'], ['bag']),
  ];
  let last = 'bag';
  if (hidden > 0) {
    // W₁ is stored hidden × dim (as trained); MatMul wants dim × hidden.
    const w1t = new Float32Array(dim * hidden);
    for (let j = 0; j < hidden; j++) for (let d = 0; d < dim; d++) w1t[d * hidden + j] = p.w1[j * dim + d];
    init.push(floats('w1', [dim, hidden], w1t), floats('b1', [hidden], p.b1));
    nodes.push(node('MatMul', ['bag', 'w1'], ['pre1']), node('Add', ['pre1', 'b1'], ['pre1b']), node('Relu', ['pre1b'], ['h1']));
    last = 'h1';
  }
  nodes.push(
    node('MatMul', [last, 'w2'], ['z0']),
    node('Add', ['z0', 'b2'], ['z']),
    node('Reshape', ['z', 'shape_b'], [ONNX_OUTPUT_LOGIT]),
    node('Sub', ['z', 'calibration'], ['zc']),
    node('Sigmoid', ['zc'], ['score_b1']),
    node('Reshape', ['score_b1', 'shape_b'], [ONNX_OUTPUT_SCORE]),
  );
  const graph = onnx.GraphProto.create({
    name: 'prompt_injection_bag',
    node: nodes,
    initializer: init,
    input: [valueInfo(ONNX_INPUT_IDS, T.INT64, ['batch', 'features']), valueInfo(ONNX_INPUT_WEIGHTS, T.FLOAT, ['batch', 'features'])],
    output: [valueInfo(ONNX_OUTPUT_SCORE, T.FLOAT, ['batch']), valueInfo(ONNX_OUTPUT_LOGIT, T.FLOAT, ['batch'])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'prompt-firewall',
    producerVersion: '1',
    graph,
    metadataProps: Object.keys(meta)
      .sort()
      .map((key) => ({ key, value: meta[key] })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Reads the parameters back from a serialised model (for tests and for retraining checks). */
export function readOnnx(bytes: Uint8Array): { params: QuantisedParams; meta: GraphMeta } {
  const model = onnx.ModelProto.decode(bytes);
  const init = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
  const f32 = (name: string) => {
    const raw = init.get(name)!.rawData!;
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  };
  const embT = init.get('emb_q')!;
  const [buckets, dim] = embT.dims!.map(Number);
  const raw = embT.rawData!;
  const w1t = init.has('w1') ? f32('w1') : new Float32Array(0);
  const hidden = init.has('w1') ? w1t.length / dim : 0;
  const w1 = new Float32Array(hidden * dim);
  for (let j = 0; j < hidden; j++) for (let d = 0; d < dim; d++) w1[j * dim + d] = w1t[d * hidden + j];
  const meta: GraphMeta = {};
  for (const m of model.metadataProps ?? []) meta[m.key!] = m.value!;
  return {
    params: {
      buckets,
      dim,
      hidden,
      embQ: new Int8Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)),
      embScale: f32('emb_scale')[0],
      w1,
      b1: init.has('b1') ? f32('b1') : new Float32Array(0),
      w2: f32('w2'),
      b2: f32('b2')[0],
      calibration: f32('calibration')[0],
    },
    meta,
  };
}
