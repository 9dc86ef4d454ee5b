// The client's own ceiling: a stub that speaks just enough of Faktory's work protocol for
// faktory-worker and answers every command at once, from memory. FETCH always has a job. Written
// from the public protocol specification; it stores nothing and checks nothing.
//   node stub-server.js        prints "tcp://127.0.0.1:PORT" once it listens
"use strict";

const net = require("net");

let jid = 0;
const bulk = (text) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;

function answer(line) {
  const space = line.indexOf(" ");
  const verb = space < 0 ? line : line.slice(0, space);
  switch (verb) {
    case "FETCH":
      jid += 1;
      return bulk(JSON.stringify({ jid: `stub-${jid}`, jobtype: "noop", args: [jid], queue: "default" }));
    case "PUSHB":
      return bulk("{}"); // no job refused
    case "INFO":
      return bulk("{}");
    case "END":
      return null;
    default: // HELLO, PUSH, ACK, FAIL, BEAT, FLUSH
      return "+OK\r\n";
  }
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.write(`+HI ${JSON.stringify({ v: 2 })}\r\n`);
  let pending = "";
  socket.on("data", (data) => {
    pending += data.toString("utf8");
    let out = "";
    for (let end = pending.indexOf("\r\n"); end >= 0; end = pending.indexOf("\r\n")) {
      const reply = answer(pending.slice(0, end));
      pending = pending.slice(end + 2);
      if (reply === null) {
        socket.end(out);
        return;
      }
      out += reply;
    }
    if (out) socket.write(out);
  });
  socket.on("error", () => socket.destroy());
});
server.listen(0, "127.0.0.1", () => console.log(`tcp://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => process.exit(0)); // stopped by run.sh: a clean exit
