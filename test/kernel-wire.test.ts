/** The wire format and its authentication (`kernel/wire.ts`), and connection files (`kernel/connection.ts`). */
import { describe, expect, it } from "vitest";
import { endpoint, parseConnectionInfo, portOf } from "../kernel/connection.js";
import { ConnectionFileError } from "../kernel/errors.js";
import { makeHeader, type Message } from "../kernel/messages.js";
import { decode, DELIMITER, encode, jsonDepth, MESSAGE_LIMITS, ReplayGuard, Signer } from "../kernel/wire.js";

const sender = { session: "session-1", username: "tester" };

function message(content: object = { code: "1 + 1" }): Message {
  return {
    identities: [Buffer.from("client-a"), Buffer.from("client-b")],
    header: makeHeader("execute_request", sender),
    parent_header: {},
    metadata: { tag: 1 },
    content: content as Message["content"],
    buffers: [new Uint8Array([1, 2, 3])],
  };
}

describe("Signer", () => {
  it("signs the four dictionaries with HMAC-SHA256 in hex", () => {
    const signer = new Signer("secret");
    const parts = ["{}", "{}", "{}", "{}"].map((s) => Buffer.from(s));
    // python3 -c "import hmac,hashlib; print(hmac.new(b'secret', b'{}'*4, hashlib.sha256).hexdigest())"
    expect(signer.sign(parts)).toBe("34982f0bfec60e7b933ffde06c1ecab0fba073717a95ab943d1dd06f82c2d5e4");
    expect(signer.verify(Buffer.from("34982f0bfec60e7b933ffde06c1ecab0fba073717a95ab943d1dd06f82c2d5e4"), parts)).toBe(true);
    expect(signer.verify(Buffer.from("34982f0bfec60e7b933ffde06c1ecab0fba073717a95ab943d1dd06f82c2d5e0"), parts)).toBe(false);
    expect(signer.verify(Buffer.from("short"), parts)).toBe(false);
  });

  it("turns signing off with an empty key", () => {
    const signer = new Signer("");
    expect(signer.enabled).toBe(false);
    expect(signer.sign([Buffer.from("{}")])).toBe("");
    expect(signer.verify(Buffer.alloc(0), [])).toBe(true);
  });

  it("supports other digests and refuses unknown ones", () => {
    expect(new Signer("k", "hmac-sha512").sign([Buffer.from("x")])).toMatch(/^[0-9a-f]{128}$/);
    expect(() => new Signer("k", "hmac-nonsense")).toThrow(/unsupported signature scheme/);
  });
});

describe("encode/decode", () => {
  it("round-trips identities, dictionaries and buffers", () => {
    const signer = new Signer("key");
    const original = message();
    const result = decode(encode(original, signer), signer, new ReplayGuard());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.message.identities.map((i) => Buffer.from(i).toString())).toEqual(["client-a", "client-b"]);
    expect(result.message.header).toEqual(original.header);
    expect(result.message.metadata).toEqual({ tag: 1 });
    expect(result.message.content).toEqual({ code: "1 + 1" });
    expect([...result.message.buffers[0]!]).toEqual([1, 2, 3]);
  });

  it("matches Python's hmac over the same frames", () => {
    // hmac.new(b"abc", b'{"a":1}' + b"{}" + b"{}" + b'{"code":"x"}', hashlib.sha256).hexdigest()
    const parts = ['{"a":1}', "{}", "{}", '{"code":"x"}'].map((s) => Buffer.from(s));
    expect(new Signer("abc").sign(parts)).toBe("220d658f7578ff9871c068253023229529e307a199642e26c8d3ae26746c6125");
  });

  it("refuses what is not a well-formed, authentic, fresh message", () => {
    const signer = new Signer("key");
    const guard = new ReplayGuard();
    const frames = encode(message(), signer);
    const reasons = (f: (Buffer | string)[]) => {
      const r = decode(f.map((x) => Buffer.from(x)), signer, guard);
      return r.ok ? "ok" : r.reason;
    };
    expect(reasons(["no delimiter"])).toMatch(/no <IDS\|MSG> delimiter/);
    expect(reasons([DELIMITER, "sig", "{}"])).toMatch(/at least 5 frames/);
    const unsigned = [...frames];
    unsigned[3] = Buffer.alloc(0);
    expect(reasons(unsigned)).toMatch(/unsigned/);
    const tampered = [...frames];
    tampered[tampered.length - 2] = Buffer.from('{"code":"evil()"}');
    expect(reasons(tampered)).toMatch(/invalid signature/);
    expect(reasons(frames)).toBe("ok");
    expect(reasons(frames)).toMatch(/replayed/);
    const notJson = ["{", "{}", "{}", "{}"].map((s) => Buffer.from(s));
    expect(reasons([DELIMITER, signer.sign(notJson), ...notJson])).toMatch(/header is not valid JSON/);
    const notObject = ["[1]", "{}", "{}", "{}"].map((s) => Buffer.from(s));
    expect(reasons([DELIMITER, signer.sign(notObject), ...notObject])).toMatch(/header is not a JSON object/);
    const noType = ['{"msg_id":"x"}', "{}", "{}", "{}"].map((s) => Buffer.from(s));
    expect(reasons([DELIMITER, signer.sign(noType), ...noType])).toMatch(/msg_type/);
    const badContent = ['{"msg_id":"x","msg_type":"t"}', "{}", "{}", "7"].map((s) => Buffer.from(s));
    expect(reasons([DELIMITER, signer.sign(badContent), ...badContent])).toMatch(/content is not a JSON object/);
  });

  it("refuses authentic messages nested too deeply or too large, naming the request to answer", () => {
    const signer = new Signer("key");
    const guard = new ReplayGuard();
    const header = makeHeader("kernel_info_request", sender);
    const nested = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
    const deepHeader = [JSON.stringify({ ...header, x: "@" }).replace('"@"', nested(10_000)), "{}", "{}", "{}"].map((s) => Buffer.from(s));
    const r = decode([Buffer.from("id"), Buffer.from(DELIMITER), Buffer.from(signer.sign(deepHeader)), ...deepHeader], signer, guard);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(`header nests deeper than ${MESSAGE_LIMITS.depth} levels`);
    // Only the flat string fields survive, enough to address an error reply.
    expect(r.refused?.header).toEqual(header);
    expect(Buffer.from(r.refused!.identities[0]!).toString()).toBe("id");
    const deepContent = [JSON.stringify(header), "{}", "{}", `{"a": ${nested(MESSAGE_LIMITS.depth)}}`].map((s) => Buffer.from(s));
    const c = decode([Buffer.from(DELIMITER), Buffer.from(signer.sign(deepContent)), ...deepContent], signer, guard);
    expect(c.ok ? "ok" : c.reason).toBe(`content nests deeper than ${MESSAGE_LIMITS.depth} levels`);
    const justDeepEnough = [JSON.stringify(header), "{}", "{}", `{"a": ${nested(MESSAGE_LIMITS.depth - 1)}}`].map((s) => Buffer.from(s));
    expect(decode([Buffer.from(DELIMITER), Buffer.from(signer.sign(justDeepEnough)), ...justDeepEnough], signer, guard).ok).toBe(true);
    // Brackets inside strings (escaped quotes included) do not count.
    expect(jsonDepth(Buffer.from(JSON.stringify({ s: '[[[["\\', t: [1] })))).toBe(2);
    const limit = MESSAGE_LIMITS.bytes;
    MESSAGE_LIMITS.bytes = 4096; // as TSORCH_MAX_MESSAGE_BYTES=4096 would
    const big = [JSON.stringify(header), "{}", "{}", JSON.stringify({ code: "x".repeat(4096) })].map((s) => Buffer.from(s));
    const b = decode([Buffer.from(DELIMITER), Buffer.from(signer.sign(big)), ...big], signer, guard);
    MESSAGE_LIMITS.bytes = limit;
    expect(b.ok ? "ok" : b.reason).toMatch(/^message of \d+ bytes is larger than the limit of \d+ bytes/);
    expect(b.ok ? undefined : b.refused?.header.msg_id).toBe(header.msg_id);
    // Not authentic: refused without naming anything to answer.
    const forged = decode([Buffer.from(DELIMITER), Buffer.from("00"), ...deepHeader], signer, guard);
    expect(forged.ok ? undefined : forged.refused).toBeUndefined();
  });

  it("accepts unsigned traffic when the key is empty", () => {
    const signer = new Signer("");
    const frames = encode(message(), signer);
    expect(frames[3]!.length).toBe(0);
    expect(decode(frames, signer, new ReplayGuard()).ok).toBe(true);
    expect(decode(frames, signer, new ReplayGuard()).ok).toBe(true);
  });
});

describe("ReplayGuard", () => {
  it("remembers a bounded number of signatures, forgetting the oldest", () => {
    const guard = new ReplayGuard(10);
    for (let i = 0; i < 10; i++) expect(guard.check(`s${i}`)).toBe(false);
    expect(guard.check("s5")).toBe(true);
    for (let i = 10; i < 30; i++) guard.check(`s${i}`);
    expect(guard.size).toBeLessThanOrEqual(11);
    expect(guard.check("s0")).toBe(false);
    expect(guard.check("s29")).toBe(true);
  });
});

describe("connection files", () => {
  it("fills jupyter_client's defaults", () => {
    const info = parseConnectionInfo({ shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5, key: "k" });
    expect(info).toMatchObject({ transport: "tcp", ip: "127.0.0.1", signature_scheme: "hmac-sha256", key: "k" });
  });

  it("names the field that is wrong", () => {
    expect(() => parseConnectionInfo([])).toThrow(ConnectionFileError);
    expect(() => parseConnectionInfo({ transport: "udp" })).toThrow(/unsupported transport "udp"/);
    expect(() => parseConnectionInfo({ shell_port: 70000 })).toThrow(/"shell_port" must be an integer port/);
    expect(() => parseConnectionInfo({ key: 5 })).toThrow(/"key" must be a string/);
    expect(() => parseConnectionInfo({ signature_scheme: "md5" })).toThrow(/signature_scheme/);
  });

  it("builds tcp and ipc endpoints", () => {
    const tcp = parseConnectionInfo({ ip: "0.0.0.0", shell_port: 5555 });
    expect(endpoint(tcp, 5555)).toBe("tcp://0.0.0.0:5555");
    expect(endpoint(tcp, 0)).toBe("tcp://0.0.0.0:*");
    expect(endpoint(parseConnectionInfo({ ip: "::1" }), 1)).toBe("tcp://[::1]:1");
    expect(endpoint(parseConnectionInfo({ transport: "ipc", ip: "/tmp/k" }), 3)).toBe("ipc:///tmp/k-3");
    expect(portOf("tcp://127.0.0.1:40123")).toBe(40123);
  });
});
