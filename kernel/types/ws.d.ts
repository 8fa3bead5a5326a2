/** `ws` ships no types; tsorch only hands its WebSocket class to @jupyterlab/services. */
declare module "ws" {
  const WebSocket: unknown;
  export default WebSocket;
}
