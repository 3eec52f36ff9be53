// A round-robin TCP proxy: each new connection goes to the next backend and stays there, which is
// what a Kubernetes ClusterIP Service (kube-proxy, L4) does with keep-alive connections.
//   node --import tsx bench/servers/l4-proxy.ts PORT BACKEND_PORT...
import { connect, createServer } from 'node:net';

const [port, ...backends] = process.argv.slice(2).map(Number);
let next = 0;
const server = createServer((client) => {
  const upstream = connect(backends[next++ % backends.length], '127.0.0.1');
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
