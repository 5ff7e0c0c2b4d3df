/**
 * Kubernetes label selector syntax (apimachinery `labels.Parse`), checked before the selector reaches
 * an informer: the apiserver would reject a bad one on every list, and the informer would retry forever
 * instead of the operator saying what is wrong at start-up. Written by hand: client-node has no parser.
 */
const NAME = '([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]';
const PREFIX = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const KEY = `(${PREFIX}/)?${NAME}`;
const VALUE = `(${NAME})?`;
const REQUIREMENT = new RegExp(
  `^(!\\s*${KEY}|${KEY}(\\s*(=|==|!=)\\s*${VALUE}|\\s+(in|notin)\\s*\\(\\s*${VALUE}(\\s*,\\s*${VALUE})*\\s*\\)|\\s*[<>]\\s*\\d+)?)$`,
);

/** Why `selector` is not a label selector, or undefined when it is one. */
export function labelSelectorProblem(selector: string): string | undefined {
  for (const requirement of splitRequirements(selector)) {
    const text = requirement.trim();
    if (text === '') return 'an empty requirement (two commas, or a comma at an end)';
    if (!REQUIREMENT.test(text))
      return `${JSON.stringify(text)} is not a label requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`;
    const prefix = /^!?\s*([^/=!<>\s(]+)\//.exec(text)?.[1];
    if (prefix && prefix.length > 253) return `the key prefix of ${JSON.stringify(text)} is longer than 253 characters`;
  }
  return undefined;
}

/** Commas separate requirements, except inside the parentheses of `in (…)`/`notin (…)`. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts;
}
