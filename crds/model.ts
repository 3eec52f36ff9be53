// The `model` part of the PromptFirewall spec: the built-in classifier, or a Hugging Face style
// sequence classifier mounted into the pod. To be composed into ScannerConfigSchema (schema.ts).
import { z } from 'zod';
import { CATEGORIES } from './schema.js';

export const BuiltinModelSchema = z
  .object({
    threads: z.number().int().min(1).max(64).optional().describe('Inference threads; default: the pod CPU limit less one, at least 1.'),
  })
  .describe('The built-in prompt-injection classifier shipped in the image.');

export const HuggingFaceModelSchema = z
  .object({
    path: z.string().min(1).describe('Directory in the pod holding model.onnx, tokenizer.json and config.json (id2label).'),
    maxLength: z.number().int().min(8).max(8192).optional().describe("Tokens per window; default: the model's max_position_embeddings, at most 512."),
    stride: z.number().int().min(0).max(4096).optional().describe('Tokens shared by consecutive windows of a long input; default: a quarter of maxLength.'),
    labels: z
      .record(z.string(), z.enum(CATEGORIES).nullable())
      .optional()
      .describe('Label name → category (null ignores the label). Default: by name (INJECTION, JAILBREAK, MALICIOUS, LABEL_1 of two labels).'),
    threads: z.number().int().min(1).max(64).optional().describe('Inference threads; default: the pod CPU limit less one, at least 1.'),
  })
  .describe('A Hugging Face style sequence classifier exported to ONNX, mounted from a ConfigMap, PVC or image volume. Nothing is downloaded.');

export const ModelSchema = z
  .object({
    builtin: BuiltinModelSchema.optional(),
    huggingFace: HuggingFaceModelSchema.optional(),
  })
  .refine((m) => !(m.builtin && m.huggingFace), { message: 'choose one of model.builtin and model.huggingFace' })
  .describe('The ML classifier: the built-in model (default) or a mounted Hugging Face style model.')
  .prefault({ builtin: {} });

export type ModelSpec = z.output<typeof ModelSchema>;
