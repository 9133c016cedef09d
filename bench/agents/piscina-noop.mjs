// piscina counterpart of noop-agent.mjs: returns its input unchanged.
export default function noop(payload) {
  return payload;
}
