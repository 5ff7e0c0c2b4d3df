import { z } from 'zod';
import { withRules } from './rules.js';

/**
 * The grammar of a profile pack's `version`, written once as one regular expression in the subset
 * RE2 (the apiserver's CEL `matches()`) and JavaScript read alike: ASCII classes only, no `\s` or
 * `\d`, no lookaround, no backslash (so the CEL string needs no escaping). Admission runs it as CEL;
 * the CLI and the resolver run it as a RegExp before reading the expression; so the three accept
 * exactly the same strings.
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
export const VERSION_PARTIAL_SOURCE =
  `v?${NUMBER}(?:[.]${NUMBER}){0,2}(?:${PRERELEASE})?(?:${BUILD})?|v?${PART}(?:[.]${PART}){0,2}`;
const PARTIAL = `(?:${VERSION_PARTIAL_SOURCE})`;
const COMPARATOR = `(?:(?:<=|>=|<|>|=|~>|[~^]) *)?${PARTIAL}`;
const SET = `(?:${PARTIAL} +- +${PARTIAL}|${COMPARATOR}(?:(?: *, *| +)${COMPARATOR})*)`;
export const VERSION_EXPRESSION_SOURCE = `^(?:latest|${SET}(?: *[|][|] *${SET})*)$`;

/** The grammar as a JavaScript RegExp: the same source the apiserver compiles. */
export const VERSION_EXPRESSION = new RegExp(VERSION_EXPRESSION_SOURCE);

export const MAX_VERSION_EXPRESSION = 128;

export const VERSION_EXPRESSION_MESSAGE =
  'must be an exact version (1.2.3, 22.04), a range (^1.2, >=1.0 <2), a train (1.27.x, 1.x) or latest';

export const versionExpression = withRules(
  z
    .string()
    .min(1)
    .max(MAX_VERSION_EXPRESSION)
    .describe(
      'An exact version as published (1.2.3, v1.2.3, 22.04, 1.2.3-rc.1), a range (^1.2, ~1.2.3, >=1.0 <2, ' +
        '>=1, <2, 1.2 - 1.4, alternatives joined by ||), a Palette-style train (1.27.x, 1.x, 1.27) or latest. ' +
        'A published version string equal to the expression is chosen first (as Helm does); otherwise the ' +
        'newest stable version that matches, and a prerelease only when the expression names one. Versions ' +
        'are read as Helm reads them: a v prefix, missing minor or patch and leading zeros are accepted. ' +
        'Grammar: latest, or sets joined by ||; a set is a hyphen range (P - P) or comparators separated by ' +
        'spaces or commas (AND); a comparator is an optional operator (<, <=, >, >=, =, ~, ~>, ^) and a version P: ' +
        'v? then 1 to 3 dot-separated numbers of 1 to 15 digits with an optional -prerelease and +build, or with ' +
        'x, X or * for any part (1.27.x). No spaces around the expression. Admission, packyard validate and the ' +
        'resolver use the same regular expression.',
    ),
  [
    {
      cel: `self.matches('${VERSION_EXPRESSION_SOURCE}')`,
      message: VERSION_EXPRESSION_MESSAGE,
      holds: (self) => VERSION_EXPRESSION.test(self),
    },
  ],
);
