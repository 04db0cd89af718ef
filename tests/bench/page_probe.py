"""What the browser benchmarks put in the page to follow Streamlit's script runs.

`SCRIPT_FINISHED` defines, in the page, `mwScriptFinished(bytes)`: the `script_finished` status of one
websocket message from the server (field 6 of a ForwardMsg, read from the message's top-level protobuf
fields), or -1 when the message is something else. A status other than 2 (FINISHED_EARLY_FOR_RERUN) means a
run, full or fragment, is over. Prepend it to a probe's own script.
"""

from __future__ import annotations

SCRIPT_FINISHED = r"""
const mwScriptFinished = bytes => {
  const b = new Uint8Array(bytes);
  let i = 0;
  const varint = () => {
    let r = 0, s = 0, x;
    do { x = b[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
    return r;
  };
  while (i < b.length) {
    const tag = varint(), wire = tag & 7;
    if (wire === 0) { const v = varint(); if (tag >> 3 === 6) return v; }
    else if (wire === 2) { const n = varint(); i += n; }
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else return -1;
  }
  return -1;
};
"""
