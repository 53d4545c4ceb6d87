/**
 * Starting DynamoDB Local on a port picked free (infra/local/dynamodb-local.ts): another server can take
 * the port before java binds it (a service starting beside this one). Its answer must not pass for
 * DynamoDB Local's, or the service would send its table requests to that server.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, test } from 'node:test';
import { PortTakenError, waitUntilAnswering } from '../../infra/local/dynamodb-local.js';

const servers: Server[] = [];
after(() => servers.forEach((server) => server.close()));

/** A server answering every request with `status` and `body`; its endpoint. */
async function answering(status: number, body: string): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0' }).end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

test("DynamoDB Local's own answer to an unsigned POST means it is up", async () => {
  const endpoint = await answering(400, '{"__type":"com.amazonaws.dynamodb.v20120810#MissingAuthenticationToken","Message":"..."}');
  await waitUntilAnswering(endpoint, 2000, () => undefined, () => '');
});

test("another server's answer is not taken for DynamoDB Local's: once java exits, the port was taken", async () => {
  const endpoint = await answering(400, '{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}');
  let checks = 0;
  // java exits once it finds the port taken (here: on the fourth look).
  const failure = () => (++checks > 3 ? 'DynamoDB Local exited during startup (1):\nCaused by: java.io.IOException: Failed to bind' : undefined);
  await assert.rejects(waitUntilAnswering(endpoint, 5000, failure, () => ''), PortTakenError);
});

test('java exiting with a bind error is a taken port; any other exit is not', async () => {
  const nobody = 'http://127.0.0.1:9'; // discard: nothing answers
  await assert.rejects(waitUntilAnswering(nobody, 2000, () => 'exited (1): java.net.BindException: Address already in use', () => ''), PortTakenError);
  await assert.rejects(waitUntilAnswering(nobody, 2000, () => 'DynamoDB Local could not be started (spawn java ENOENT)', () => ''), (error: Error) => !(error instanceof PortTakenError));
});
