/** `ws` ships no types; the tests only hand its WebSocket class to @jupyterlab/services. */
declare module "ws" {
  const WebSocket: unknown;
  export default WebSocket;
}
