import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * zod/mini loads no locale, so without this every issue would say only
 * "Invalid input". Full zod registers the same English messages itself;
 * loading them here keeps the answers the API gave under full zod.
 * Imported by the modules that parse (validate.ts, config.ts).
 *
 * Schema modules import `* as z from 'zod/mini'` themselves and never
 * re-export the namespace: a namespace passed on as a value stops esbuild
 * from leaving the unused parts of zod out (430 KB instead of 30).
 */
z.config(en());
