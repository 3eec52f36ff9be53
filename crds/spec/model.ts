// spec.model: the classifiers the scanner runs besides its rules — the built-in model, a
// bring-your-own Hugging Face style model, or both (the higher score wins). The scanner reads
// `builtin` and `custom.path` (+ windowing and labels); the sources (ConfigMap,
// PersistentVolumeClaim, image) are for the operator, which mounts the chosen one and renders its
// directory as `custom.path`.
import { z } from 'zod';
import { CATEGORIES, cel } from '../common.js';

const threads = z
  .number()
  .int()
  .min(1)
  .max(64)
  .optional()
  .describe('Inference threads; default: the pod\'s CPU limit less one, at least 1 (or PF_MODEL_THREADS).');

export const CustomModelSchema = z
  .object({
    path: z
      .string()
      .startsWith('/')
      .optional()
      .describe('Directory holding model.onnx and tokenizer.json. Set it for a directory already in the scanner image or when running outside Kubernetes; with configMap, persistentVolumeClaim or image the operator sets it.'),
    configMap: z
      .object({ name: z.string().min(1).max(253).describe('Name of the ConfigMap (binaryData for model.onnx; a ConfigMap holds at most 1 MiB).') })
      .optional()
      .describe('A ConfigMap in the same namespace whose keys are the model files.'),
    persistentVolumeClaim: z
      .object({ claimName: z.string().min(1).max(253).describe('Name of the PersistentVolumeClaim.') })
      .optional()
      .describe('A PersistentVolumeClaim in the same namespace holding the model files; mounted read-only.'),
    image: z
      .object({
        reference: z.string().min(1).max(1024).describe('OCI image or artifact holding the model files.'),
        pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent').describe('When the kubelet pulls it.'),
      })
      .optional()
      .describe('An OCI image mounted as a read-only image volume (needs the ImageVolume feature of Kubernetes).'),
    subPath: z
      .string()
      .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, 'must be a relative path whose parts do not start with a dot')
      .optional()
      .describe('Directory inside the ConfigMap, volume or image that holds the model files.'),
    maxLength: z.number().int().min(8).max(8192).optional().describe("Tokens per window; default: the model's max_position_embeddings, at most 512."),
    stride: z.number().int().min(0).max(4096).optional().describe('Tokens shared by consecutive windows of a long input; default: a quarter of maxLength.'),
    labels: z
      .record(z.string(), z.enum([...CATEGORIES, 'ignore']))
      .optional()
      .describe('Label name → category, or ignore for a label that is not a finding (e.g. BENIGN). Default: by name (INJECTION, JAILBREAK, MALICIOUS, LABEL_1 of two labels).'),
    threads,
  })
  .meta(
    cel(
      {
        rule: '(has(self.configMap) ? 1 : 0) + (has(self.persistentVolumeClaim) ? 1 : 0) + (has(self.image) ? 1 : 0) + (has(self.path) ? 1 : 0) == 1',
        message: 'model.custom needs exactly one of configMap, persistentVolumeClaim, image or path',
      },
      { rule: '!has(self.subPath) || !has(self.path)', message: 'model.custom.subPath applies to configMap, persistentVolumeClaim or image, not to path' },
    ),
  )
  .describe('A Hugging Face style sequence classifier (model.onnx, tokenizer.json, config.json with id2label) exported to ONNX and brought by the user. Nothing is downloaded.');

export const ModelSchema = z
  .object({
    builtin: z
      .object({ enabled: z.boolean().default(true).describe('Run the built-in prompt-injection classifier.'), threads })
      .prefault({})
      .describe('The classifier trained by this project and shipped inside the image.'),
    custom: CustomModelSchema.optional(),
  })
  .prefault({})
  .describe('Classifier models.');

export type ModelSpec = z.output<typeof ModelSchema>;
