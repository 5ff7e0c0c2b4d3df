import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { packArchiveName, writePackArchive } from '../../sources/palette/pack-archive.js';
import { HELP_OPTION, stringValue } from '../args.js';
import type { Command } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { lintedPackDirectory } from '../pack-input.js';

export const packBuildCommand: Command = {
  spec: {
    name: 'pack build',
    summary: 'Build the archive Palette reads (<name>-<version>.tar.gz), reproducibly',
    usage: 'DIR [-o FILE]',
    description: [
      "Lints DIR (as pack lint) and writes the archive Palette's tooling makes, tar czf <name>-<version>.tar.gz <name>/:",
      "every file of the pack under a top directory named after pack.json's name. The same input gives the same bytes:",
      'entries in byte order of their paths, times fixed at 0, owner root (0/0, no names), modes 0644 or 0755 (files',
      'the owner may execute, and directories), and a gzip header without time or name.',
      '',
      'Prints the file written and its sha256 digest.',
      'Exit status: 0 built, 1 lint problems (printed) or the directory is refused, 2 usage error.',
    ].join('\n'),
    options: {
      output: {
        type: 'string',
        short: 'o',
        value: 'FILE',
        description: 'Where to write the archive (default <name>-<version>.tar.gz here).',
      },
      ...HELP_OPTION,
    },
    examples: ['pack build packs/hello-universe', 'pack build packs/hello-universe -o dist/hello-universe.tar.gz'],
  },

  async run(ctx, values, positionals) {
    if (positionals.length !== 1) throw new UsageError('pack build needs exactly one DIR');
    const { pack, entries } = await lintedPackDirectory(positionals[0]!, ctx.err);
    const file = stringValue(values, 'output') ?? packArchiveName(pack.name, pack.version);
    // Written beside the target and renamed: a failed build leaves no half archive under the name.
    const partial = `${file}.partial-${process.pid}`;
    let written;
    try {
      written = await writePackArchive(pack.name, pack.version, entries, createWriteStream(partial));
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
    ctx.out(`${file} ${written.digest}\n`);
    ctx.err(`built ${pack.name} ${pack.version}: ${written.size} bytes\n`);
    return EXIT.OK;
  },
};
