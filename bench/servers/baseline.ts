// The baseline the scanner's throughput is compared with: a bare express 5 server on the same
// route, answering 200 with a small JSON body and doing nothing else.
//   node --import tsx bench/servers/baseline.ts PORT
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.post('/v1/scan', (_req, res) => void res.json({ ok: true }));
app.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('listening\n'));
