#!/usr/bin/env node
// What gzip -9 would save if the functions whose demangled names match a pattern were gone:
// gzip of the code section's bodies minus gzip of the others (docs/wasm_size.md). Raw size per
// group says little about the download (near-identical copies compress to almost nothing);
// this says what a cut is worth on the wire. Needs the "name" section (PARE_WASM_NAMES=1, or
// cargo's + wasm-bindgen's output).
//
//   node scripts/wasm_gzip_share.mjs FILE.wasm REGEX…
import fs from 'node:fs';
import zlib from 'node:zlib';
import { demangle } from './wasm_demangle.mjs';

if (process.argv.length < 4) {
  console.error('usage: node scripts/wasm_gzip_share.mjs FILE.wasm REGEX…');
  process.exit(2);
}
const bytes = fs.readFileSync(process.argv[2]);
function leb(o){let v=0,s=0;for(;;){const b=bytes[o++];v+=(b&127)*2**s;s+=7;if(b<128)return[v,o];}}
let off=8; const secs=[];
while(off<bytes.length){const id=bytes[off++];const [sz,c]=leb(off);let name=null;if(id===0){const [l,ns]=leb(c);name=bytes.subarray(ns,ns+l).toString();}secs.push({id,name,c,end:c+sz});off=c+sz;}
// imports count (functions only)
let imported=0;{const s=secs.find(s=>s.id===2);let [n,p]=leb(s.c);for(let i=0;i<n;i++){let l;[l,p]=leb(p);p+=l;[l,p]=leb(p);p+=l;const k=bytes[p++];if(k===0){[,p]=leb(p);imported++;}else if(k===1){p++;const f=bytes[p++];[,p]=leb(p);if(f&1)[,p]=leb(p);}else if(k===2){const f=bytes[p++];[,p]=leb(p);if(f&1)[,p]=leb(p);}else if(k===3)p+=2;else if(k===4){p++;[,p]=leb(p);}}}
const code=secs.find(s=>s.id===10); const bodies=[];{let [n,p]=leb(code.c);for(let i=0;i<n;i++){const [sz,b]=leb(p);bodies.push({idx:imported+i,buf:bytes.subarray(p,b+sz)});p=b+sz;}}
const names=new Map();{const s=secs.find(s=>s.name==='name');let [,p]=leb(s.c);p+=4;while(p<s.end){const k=bytes[p++];const [sz,c]=leb(p);if(k===1){let [n,q]=leb(c);for(let i=0;i<n;i++){let ix,l;[ix,q]=leb(q);[l,q]=leb(q);names.set(ix,bytes.subarray(q,q+l).toString());q+=l;}}p=c+sz;}}
for (const b of bodies) b.name = demangle(names.get(b.idx) || '');
const gz=(arr)=>zlib.gzipSync(Buffer.concat(arr.map(b=>b.buf)),{level:9}).length;
const all=gz(bodies); console.log('all code gzip', all, 'raw', bodies.reduce((a,b)=>a+b.buf.length,0));
for (const pat of process.argv.slice(3)) {
  const re=new RegExp(pat); const inG=bodies.filter(b=>re.test(b.name));
  const rest=bodies.filter(b=>!re.test(b.name));
  console.log(pat.padEnd(40), 'n', String(inG.length).padStart(5), 'raw', String(inG.reduce((a,b)=>a+b.buf.length,0)).padStart(8), 'gzip saved if removed', all-gz(rest));
}
