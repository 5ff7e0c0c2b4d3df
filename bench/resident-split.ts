// Resident memory by kind, for the parse benchmarks: what a parse's RSS growth is made of.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

export interface ResidentSplit {
  anon: number;
  file: number;
  heap: number;
  newSpace: number;
  oldSpace: number;
  code: number;
}

/** Resident memory by kind (bytes): anonymous and file-backed pages, and V8's heap as committed, by space. */
export function residentSplit(): ResidentSplit {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const spaces = new Map(getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
  let heap = 0;
  for (const size of spaces.values()) heap += size;
  return {
    anon: kib('RssAnon'),
    file: kib('RssFile'),
    heap,
    newSpace: (spaces.get('new_space') ?? 0) + (spaces.get('new_large_object_space') ?? 0),
    oldSpace: (spaces.get('old_space') ?? 0) + (spaces.get('large_object_space') ?? 0),
    code: (spaces.get('code_space') ?? 0) + (spaces.get('code_large_object_space') ?? 0),
  };
}
