// The one HTTP server behind every light-spawner "server": answers 200 to any path,
// so the hub's readiness checks and requests through the proxy succeed. It runs
// apart from the hub so servers stay up across hub restarts.
const http = require('node:http');

const port = Number(process.env.LIGHT_SERVER_PORT);
const body = JSON.stringify({ status: 'ok', server: 'light' });

const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`light server listening on ${port}`));
