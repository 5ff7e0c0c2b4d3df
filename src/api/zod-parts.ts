/**
 * zod in parts, for importInTurns: its core and the ~50 locales the core re-exports are most of its
 * load (120–330 ms in one synchronous piece on the soak machine), so each goes in a turn of its own.
 */
export const ZOD_PARTS: readonly (() => Promise<unknown>)[] = [
  () => import('zod/v4/locales'),
  () => import('zod/v4/core'),
  () => import('zod'),
];
