// An independent ML-KEM-768 for the cross-check test (tests/integration/
// test_mlkem_oracle.c): noble's post-quantum library (npm @noble/post-quantum,
// FIPS 203), pinned by package-lock.json and installed by tools/install-deps.sh.
// An ES module (.mjs), since noble 0.5 and later ship only ES modules; runs on
// Node.js 18 (Debian 12's) and 20. One JSON request per line on stdin, one JSON
// answer per line on stdout, in order:
//   {"op":"keygen","seed":HEX64}          -> {"ek":HEX,"dk":HEX}      ML-KEM.KeyGen_internal(d, z)
//   {"op":"encaps","ek":HEX,"m":HEX32}    -> {"c":HEX,"K":HEX}        ML-KEM.Encaps_internal(ek, m)
//   {"op":"decaps","dk":HEX,"c":HEX}      -> {"K":HEX}                ML-KEM.Decaps(dk, c)
// A request noble refuses (it throws) answers {"error":MESSAGE}.
import readline from 'node:readline';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

const hex = (b) => Buffer.from(b).toString('hex');
const bin = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

function answer(q) {
  switch (q.op) {
    case 'keygen': {
      const k = ml_kem768.keygen(bin(q.seed));
      return { ek: hex(k.publicKey), dk: hex(k.secretKey) };
    }
    case 'encaps': {
      // With msg given, noble's encapsulate is deterministic: m is the message.
      const r = ml_kem768.encapsulate(bin(q.ek), bin(q.m));
      return { c: hex(r.cipherText), K: hex(r.sharedSecret) };
    }
    case 'decaps':
      return { K: hex(ml_kem768.decapsulate(bin(q.c), bin(q.dk))) };
    default:
      return { error: 'unknown op ' + q.op };
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let a;
  try {
    a = answer(JSON.parse(line));
  } catch (e) {
    a = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(a) + '\n');
});
