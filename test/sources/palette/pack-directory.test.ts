// Listing a pack directory: what it holds, in the archive's order, and what it refuses before reading.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listPackDirectory, PACK_LIMITS, PackDirectoryError } from '../../../src/sources/palette/pack-directory.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'packyard-packdir-'));
  writeFileSync(join(dir, 'pack.json'), '{}');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const reasonOf = async (limits = PACK_LIMITS) =>
  listPackDirectory(dir, limits).then(
    () => 'listed',
    (e: unknown) => (e instanceof PackDirectoryError ? e.reason : String(e)),
  );

describe('listPackDirectory', () => {
  it('lists files and directories in byte order of their paths, hidden ones left out', async () => {
    mkdirSync(join(dir, 'charts'));
    writeFileSync(join(dir, 'charts', 'b.tgz'), 'b');
    writeFileSync(join(dir, 'charts-notes.md'), 'n');
    writeFileSync(join(dir, 'Values.yaml'), 'v');
    writeFileSync(join(dir, '.helmignore'), 'x');
    mkdirSync(join(dir, '.git'));
    const entries = await listPackDirectory(dir);
    expect(entries.map((e) => `${e.type} ${e.path} ${e.size}`)).toEqual([
      'file Values.yaml 1',
      'dir charts 0',
      'file charts-notes.md 1',
      'file charts/b.tgz 1',
      'file pack.json 2',
    ]);
  });

  it('refuses a symlink to a directory, even inside the pack (no loops)', async () => {
    mkdirSync(join(dir, 'sub'));
    symlinkSync('.', join(dir, 'sub', 'loop'));
    expect(await reasonOf()).toBe('UnsupportedFileType');
  });

  it('refuses a dangling symlink as one that leaves the pack', async () => {
    symlinkSync(join(dir, 'nothing'), join(dir, 'gone.yaml'));
    expect(await reasonOf()).toBe('SymlinkOutsidePack');
  });

  it('refuses a FIFO', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(await reasonOf()).toBe('UnsupportedFileType');
  });

  it('refuses what adds up past the total, and what nests too deep', async () => {
    writeFileSync(join(dir, 'a'), Buffer.alloc(600));
    writeFileSync(join(dir, 'b'), Buffer.alloc(600));
    expect(await reasonOf({ ...PACK_LIMITS, maxTotalBytes: 1000 })).toBe('PackTooLarge');
    mkdirSync(join(dir, 'x', 'y', 'z'), { recursive: true });
    expect(await reasonOf({ ...PACK_LIMITS, maxDepth: 2 })).toBe('TooDeep');
    expect(await reasonOf()).toBe('listed');
  });

  it('says a missing directory is not one', async () => {
    await expect(listPackDirectory(join(dir, 'none'))).rejects.toMatchObject({
      reason: 'NotADirectory',
      message: `${join(dir, 'none')}: no such directory`,
    });
  });
});
