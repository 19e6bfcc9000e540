// Rust symbol names in wasm name sections, readable (scripts/wasm_size.mjs, wasm_gzip_share.mjs).

/** A legacy-mangled Rust symbol (`_ZN…E`) as `a::b::c` without its hash; others as they are. */
export function demangle(name) {
  if (!name.startsWith("_ZN")) return name;
  const parts = [];
  let p = 3;
  while (p < name.length && name[p] !== "E") {
    let q = p;
    while (q < name.length && name[q] >= "0" && name[q] <= "9") q++;
    const length = Number(name.slice(p, q));
    if (!length) break;
    parts.push(name.slice(q, q + length));
    p = q + length;
  }
  if (parts.length && /^h[0-9a-f]{16}$/.test(parts.at(-1))) parts.pop();
  return parts
    .join("::")
    .replace(/\$LT\$/g, "<")
    .replace(/\$GT\$/g, ">")
    .replace(/\$u20\$/g, " ")
    .replace(/\$u7b\$/g, "{")
    .replace(/\$u7d\$/g, "}")
    .replace(/\$RF\$/g, "&")
    .replace(/\$BP\$/g, "*")
    .replace(/\$C\$/g, ",")
    .replace(/\$u5b\$/g, "[")
    .replace(/\$u5d\$/g, "]")
    .replace(/\$u27\$/g, "'")
    .replace(/\.\./g, "::");
}
