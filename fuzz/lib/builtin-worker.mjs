// The built-in engine's worker: a mutation fuzzer over the same targets, for machines where the
// Jazzer.js addon cannot load. Not coverage-guided: it mutates the seed corpus (and whatever
// Jazzer saved there earlier) with byte flips, inserts, erases, copies, splices and dictionary
// tokens. Before each run it copies the input into shared memory, so the parent can name the
// input of a hang after it stops this thread.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { targetPath, corpusDirs, seconds, seed, maxLength, shared } = workerData;
const state = new Int32Array(shared, 0, 2); // [executions, input length]
const inputView = new Uint8Array(shared, 8);

let a = seed >>> 0;
/** mulberry32: deterministic for a seed, so a run can be repeated. */
function random() {
  a = (a + 0x6d2b79f5) >>> 0;
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const below = (n) => Math.floor(random() * n);

function loadCorpus() {
  const corpus = [];
  for (const dir of corpusDirs) {
    let names = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      try {
        corpus.push(new Uint8Array(readFileSync(join(dir, name))).subarray(0, maxLength));
      } catch {
        // a subdirectory or unreadable entry
      }
    }
  }
  if (corpus.length === 0) corpus.push(new Uint8Array(0));
  return corpus;
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x22, 0x2c, 0x2e, 0x2f, 0x3a, 0x3d, 0x5f, 0x7b, 0x7d, 0x5b, 0x5d, 0x0a, 0xc3, 0xed, 0xef];

function mutate(input, corpus, dictionary) {
  let bytes = Array.from(input);
  for (let steps = 1 + below(4); steps > 0; steps--) {
    const at = below(bytes.length + 1);
    switch (below(8)) {
      case 0:
        if (bytes.length > 0) bytes[at % bytes.length] ^= 1 << below(8);
        break;
      case 1:
        if (bytes.length > 0) bytes[at % bytes.length] = INTERESTING[below(INTERESTING.length)];
        break;
      case 2: {
        const insert = Array.from({ length: 1 + below(16) }, () => below(256));
        bytes.splice(at, 0, ...insert);
        break;
      }
      case 3:
        bytes.splice(at, 1 + below(32));
        break;
      case 4: {
        // Repeat a slice: long runs are what regexes and loops choke on.
        const from = below(bytes.length + 1);
        const slice = bytes.slice(from, from + 1 + below(8));
        const times = 1 + below(random() < 0.1 ? 2000 : 40);
        const run = [];
        for (let i = 0; i < times && run.length < maxLength; i++) run.push(...slice);
        bytes.splice(at, 0, ...run);
        break;
      }
      case 5: {
        const other = corpus[below(corpus.length)];
        const from = below(other.length + 1);
        bytes.splice(at, 0, ...other.subarray(from, from + 1 + below(64)));
        break;
      }
      case 6: {
        if (dictionary.length > 0) bytes.splice(at, 0, ...Buffer.from(dictionary[below(dictionary.length)], 'utf8'));
        break;
      }
      default: {
        const other = corpus[below(corpus.length)];
        bytes = bytes.slice(0, at).concat(Array.from(other.subarray(below(other.length + 1))));
      }
    }
  }
  return Uint8Array.from(bytes.slice(0, maxLength));
}

const target = await import(pathToFileURL(targetPath).href);
const dictionary = [...(target.FRAGMENTS ?? []), ...(target.KEYS ?? []), ...(target.FIELDS ?? [])].filter((w) => typeof w === 'string');
const corpus = loadCorpus();
const deadline = Date.now() + seconds * 1000;
let executions = 0;

function run(input) {
  state[1] = input.length;
  inputView.set(input);
  try {
    target.fuzz(Buffer.from(input.buffer, input.byteOffset, input.length));
  } catch (error) {
    parentPort.postMessage({ kind: 'crash', input: Buffer.from(input).toString('base64'), error: error?.stack ?? String(error), executions });
    return false;
  }
  Atomics.store(state, 0, ++executions);
  return true;
}

let alive = true;
// Every seed as it is first.
for (const input of corpus) if (alive) alive = run(input);
while (alive && Date.now() < deadline) {
  for (let i = 0; i < 64 && alive; i++) {
    const base = random() < 0.05 ? Uint8Array.from({ length: below(256) }, () => below(256)) : corpus[below(corpus.length)];
    alive = run(mutate(base, corpus, dictionary));
  }
}
if (alive) parentPort.postMessage({ kind: 'done', executions, corpus: corpus.length });
