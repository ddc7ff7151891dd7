// PeerJS server on Node, as people deploy it: `node server.mjs PORT`.
import { PeerServer } from "peer";

const port = Number(process.argv[2] ?? 9000);
PeerServer({
  port,
  path: "/",
  key: "peerjs",
  concurrent_limit: 100_000,
  alive_timeout: 600_000,
}, () => {
  console.log(`peerjs listening on ${port}`);
});
