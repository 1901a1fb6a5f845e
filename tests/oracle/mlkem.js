// An independent ML-KEM-768 for the cross-check test (tests/integration/
// test_mlkem_oracle.c): noble's post-quantum library, FIPS 203. One JSON
// request per line on stdin, one JSON answer per line on stdout:
//   {"op":"keygen","seed":HEX64}          -> {"ek":HEX,"dk":HEX}
//   {"op":"encaps","ek":HEX,"m":HEX32}    -> {"c":HEX,"K":HEX}
//   {"op":"decaps","dk":HEX,"c":HEX}      -> {"K":HEX}
'use strict';
const { ml_kem768 } = require('@noble/post-quantum/ml-kem');
const readline = require('readline');

const hex = (b) => Buffer.from(b).toString('hex');
const bin = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  const q = JSON.parse(line);
  let a;
  if (q.op === 'keygen') {
    const k = ml_kem768.keygen(bin(q.seed));
    a = { ek: hex(k.publicKey), dk: hex(k.secretKey) };
  } else if (q.op === 'encaps') {
    const r = ml_kem768.encapsulate(bin(q.ek), bin(q.m));
    a = { c: hex(r.cipherText), K: hex(r.sharedSecret) };
  } else if (q.op === 'decaps') {
    a = { K: hex(ml_kem768.decapsulate(bin(q.c), bin(q.dk))) };
  } else {
    a = { error: 'unknown op ' + q.op };
  }
  process.stdout.write(JSON.stringify(a) + '\n');
});
