// Writes a tiny Hugging Face style sequence classifier to a directory: a transformer-shaped ONNX
// graph (token embedding → masked mean pool → linear → logits, inputs input_ids and
// attention_mask), a WordPiece tokenizer.json and a config.json with id2label. The weights make
// the words "ignore" and "jailbreak" drive the INJECTION and JAILBREAK labels, so tests can check
// tokenisation, windowing, batching, softmax and label mapping end to end.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

export const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'ignore', 'jailbreak', 'the', 'previous', 'instructions', 'hello', 'world', 'please', 'help', '##s', '##ing', 'a'];
export const LABELS = ['BENIGN', 'INJECTION', 'JAILBREAK'];

function tokenizerJson(): object {
  const vocab = Object.fromEntries(VOCAB.map((t, i) => [t, i]));
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '[PAD]'), special(1, '[UNK]'), special(2, '[CLS]'), special(3, '[SEP]')],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

const floats = (name: string, dims: number[], values: number[]) =>
  onnx.TensorProto.create({ name, dataType: T.FLOAT, dims, rawData: new Uint8Array(Float32Array.from(values).buffer) });
const ints = (name: string, values: number[]) => onnx.TensorProto.create({ name, dataType: T.INT64, dims: [values.length], int64Data: values });
const io = (name: string, elemType: number, dims: Array<string | number>) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
const node = (opType: string, input: string[], output: string[], attribute: object[] = []) => onnx.NodeProto.create({ opType, input, output, name: output[0], attribute });

/** The classifier graph: logits = mean over unmasked tokens of E[input_ids] · W + b. */
function modelOnnx(): Uint8Array {
  const H = 3;
  // Embedding: "ignore" → dim 1, "jailbreak" → dim 2, everything else → dim 0 (benign evidence).
  const emb = VOCAB.flatMap((t) => (t === 'ignore' ? [0, 60, 0] : t === 'jailbreak' ? [0, 0, 60] : [1, 0, 0]));
  const W = [1, 0, 0, 0, 1, 0, 0, 0, 1]; // identity: dim i → label i
  const graph = onnx.GraphProto.create({
    name: 'tiny_classifier',
    initializer: [floats('emb', [VOCAB.length, H], emb), floats('W', [H, LABELS.length], W), floats('b', [LABELS.length], [0, -2, -2]), ints('axes1', [1]), ints('axes2', [2])],
    node: [
      node('Gather', ['emb', 'input_ids'], ['tok'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node('Cast', ['attention_mask'], ['maskf'], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }]),
      node('Unsqueeze', ['maskf', 'axes2'], ['mask3']),
      node('Mul', ['tok', 'mask3'], ['masked']),
      node('ReduceSum', ['masked', 'axes1'], ['sum'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node('ReduceSum', ['maskf', 'axes1'], ['count'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
      node('Div', ['sum', 'count'], ['pooled']),
      node('MatMul', ['pooled', 'W'], ['lin']),
      node('Add', ['lin', 'b'], ['logits']),
    ],
    input: [io('input_ids', T.INT64, ['batch', 'sequence']), io('attention_mask', T.INT64, ['batch', 'sequence'])],
    output: [io('logits', T.FLOAT, ['batch', LABELS.length])],
  });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }], producerName: 'prompt-firewall-test', graph })).finish();
}

/** Writes the model directory and returns its path. */
export function writeTinyHfModel(maxPositions = 16): string {
  const dir = mkdtempSync(join(tmpdir(), 'pf-hf-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), modelOnnx());
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson()));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ model_type: 'bert', max_position_embeddings: maxPositions, pad_token_id: 0, id2label: Object.fromEntries(LABELS.map((l, i) => [String(i), l])) }),
  );
  return dir;
}
