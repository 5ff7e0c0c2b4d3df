/**
 * The grammar of a profile pack's `version`, written once as one regular expression in the subset
 * RE2 (the apiserver's CEL `matches()`) and JavaScript read alike: ASCII classes only, no `\s` or
 * `\d`, no lookaround, no backslash (so the CEL string needs no escaping). Admission runs it as CEL;
 * the CLI and the resolver run it as a RegExp before reading the expression; so the three accept
 * exactly the same strings. (The zod schema, `versionExpression`, is in clusterprofile.ts: this module
 * stays free of zod, which the operator does not load.)
 *
 *   expression := "latest" | range
 *   range      := set ( " "* "||" " "* set )*
 *   set        := partial " "+ "-" " "+ partial            (hyphen range: 1.2 - 1.4)
 *               | comparator ( ( " "* "," " "* | " "+ ) comparator )*
 *   comparator := ( ( "<=" | ">=" | "<" | ">" | "=" | "~>" | "~" | "^" ) " "* )? partial
 *   partial    := "v"? N ( "." N ){0,2} prerelease? build?  (1.2.3, v1.2, 22.04, 1.2.3-rc.1+b)
 *               | "v"? P ( "." P ){0,2}                    (1.27.x, 1.x, *)
 *   N          := 1 to 15 digits; leading zeros allowed, as Helm reads published versions
 *   P          := N | "x" | "X" | "*"
 *   prerelease := "-" id ( "." id )*, each id a number without leading zero or [0-9A-Za-z-]* with a letter or -
 *   build      := "+" [0-9A-Za-z-]+ ( "." [0-9A-Za-z-]+ )*
 *
 * Numbers stop at 15 digits so every one is exact in JavaScript (and in node-semver's ranges).
 */
const NUMBER = '[0-9]{1,15}';
const PART = `(?:${NUMBER}|[xX*])`;
const PRERELEASE_ID = '(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)';
const PRERELEASE = `-${PRERELEASE_ID}(?:[.]${PRERELEASE_ID})*`;
const BUILD = '[+][0-9A-Za-z-]+(?:[.][0-9A-Za-z-]+)*';
export const VERSION_PARTIAL_SOURCE = `v?${NUMBER}(?:[.]${NUMBER}){0,2}(?:${PRERELEASE})?(?:${BUILD})?|v?${PART}(?:[.]${PART}){0,2}`;
const PARTIAL = `(?:${VERSION_PARTIAL_SOURCE})`;
const COMPARATOR = `(?:(?:<=|>=|<|>|=|~>|[~^]) *)?${PARTIAL}`;
const SET = `(?:${PARTIAL} +- +${PARTIAL}|${COMPARATOR}(?:(?: *, *| +)${COMPARATOR})*)`;
export const VERSION_EXPRESSION_SOURCE = `^(?:latest|${SET}(?: *[|][|] *${SET})*)$`;

/** The grammar as a JavaScript RegExp: the same source the apiserver compiles. */
export const VERSION_EXPRESSION = new RegExp(VERSION_EXPRESSION_SOURCE);

export const MAX_VERSION_EXPRESSION = 128;

export const VERSION_EXPRESSION_MESSAGE =
  'must be an exact version (1.2.3, 22.04), a range (^1.2, >=1.0 <2), a train (1.27.x, 1.x) or latest';
