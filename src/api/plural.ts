/** `1 pack`, `2 packs`: a count and its noun, as every message writes it. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
