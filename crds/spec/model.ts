// spec.model: the classifiers the scanner runs besides its rules.
import { z } from 'zod';

export const ModelSchema = z
  .object({
    builtin: z
      .object({ enabled: z.boolean().default(true).describe('Run the built-in prompt-injection classifier.') })
      .prefault({})
      .describe('The classifier trained by this project and shipped inside the image.'),
  })
  .prefault({})
  .describe('Classifier models.');
