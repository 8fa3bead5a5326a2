/** History on disk with IPython's tail/range/search semantics (`kernel/history.ts`). */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { globToRegExp, HistoryStore } from "../kernel/history.js";

const made: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), "tsorch-hist-"));
  made.push(d);
  return d;
};
const file = () => join(dir(), "history.jsonl");
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("globToRegExp (SQLite GLOB, as IPython searches)", () => {
  it.each([
    ["1 + ?", "1 + 2", true],
    ["1 + ?", "1 + 23", false],
    ["*torch*", "const t = torch.zeros(2)", true],
    ["a[bc]d", "acd", true],
    ["a[^bc]d", "acd", false],
    ["A*", "abc", false],
    ["x.y", "xzy", false],
    ["(1)", "(1)", true],
    ["*", "multi\nline", true],
  ])("%s against %j is %s", (pattern, text, expected) => {
    expect(globToRegExp(pattern).test(text)).toBe(expected);
  });
});

describe("HistoryStore", () => {
  it("numbers sessions across kernels sharing one file and keeps outputs", () => {
    const path = file();
    const first = new HistoryStore(path);
    first.storeInput(1, "const a = 1");
    first.storeInput(2, "a + 1");
    first.storeOutput(2, "2");
    const second = new HistoryStore(path);
    second.storeInput(1, "a + 1");
    expect(first.session).toBe(1);
    expect(second.session).toBe(2);
    expect(second.tail(3, { output: true })).toEqual([
      [1, 1, ["const a = 1", null]],
      [1, 2, ["a + 1", "2"]],
      [2, 1, ["a + 1", null]],
    ]);
    expect(second.tail(2)).toEqual([
      [1, 2, "a + 1"],
      [2, 1, "a + 1"],
    ]);
  });

  it("serves ranges of the current, relative and absolute sessions", () => {
    const path = file();
    const old = new HistoryStore(path);
    for (let i = 1; i <= 4; i++) old.storeInput(i, `old ${i}`);
    const current = new HistoryStore(path);
    current.storeInput(1, "new 1");
    current.storeInput(2, "new 2");
    expect(current.range(0)).toEqual([
      [2, 1, "new 1"],
      [2, 2, "new 2"],
    ]);
    expect(current.range(-1, 2, 4)).toEqual([
      [1, 2, "old 2"],
      [1, 3, "old 3"],
    ]);
    expect(current.range(1, 4)).toEqual([[1, 4, "old 4"]]);
    expect(current.range(1, 0, 0).length).toBe(4);
    expect(current.range(7)).toEqual([]);
  });

  it("searches with a glob, the last n matches and unique sources", () => {
    const h = new HistoryStore(file());
    ["1 + 2", "x = 3", "1 + 2", "1 + 5", "1 + 2"].forEach((src, i) => h.storeInput(i + 1, src));
    expect(h.search("1 + ?").map((r) => r[2])).toEqual(["1 + 2", "1 + 2", "1 + 5", "1 + 2"]);
    expect(h.search("1 + ?", { n: 2 }).map((r) => r[1])).toEqual([4, 5]);
    expect(h.search("1 + ?", { unique: true })).toEqual([
      [1, 4, "1 + 5"],
      [1, 5, "1 + 2"],
    ]);
    expect(h.search("nothing*")).toEqual([]);
  });

  it("skips corrupt lines and sees what other kernels append later", () => {
    const path = file();
    const h = new HistoryStore(path);
    h.storeInput(1, "ok");
    appendFileSync(path, "{not json\n" + JSON.stringify({ t: "i", s: "unknown-session", l: 1, src: "orphan" }) + "\n");
    const other = new HistoryStore(path);
    other.storeInput(1, "from another kernel");
    expect(h.tail(10).map((r) => r[2])).toEqual(["ok", "from another kernel"]);
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean).length).toBe(6);
  });

  it("keeps history in memory when the file cannot be written", () => {
    const blocker = join(dir(), "a-file");
    writeFileSync(blocker, "");
    const h = new HistoryStore(join(blocker, "sub", "history.jsonl")); // a file where a directory should be
    h.storeInput(1, "still works");
    h.storeOutput(1, "yes");
    expect(h.session).toBe(1);
    expect(h.tail(1, { output: true })).toEqual([[1, 1, ["still works", "yes"]]]);
  });

  it("ends a half-written last line (a kernel killed mid-append) before appending", () => {
    const path = file();
    const killed = new HistoryStore(path);
    killed.storeInput(1, "finished");
    appendFileSync(path, JSON.stringify({ t: "i", s: "x", l: 2, src: "cut off" }).slice(0, 20)); // no newline: the kill came mid-write
    const next = new HistoryStore(path);
    next.storeInput(1, "after the crash");
    expect(next.tail(10).map((r) => r[2])).toEqual(["finished", "after the crash"]);
    expect(next.session).toBe(2);
  });

  it("on a full disk keeps history in memory", () => {
    const h = new HistoryStore("/dev/full"); // every write fails with ENOSPC
    for (let i = 1; i <= 20; i++) h.storeInput(i, `cell ${i}`);
    h.storeOutput(20, "20");
    expect(h.tail(2, { output: true })).toEqual([[1, 19, ["cell 19", null]], [1, 20, ["cell 20", "20"]]]);
    expect(h.range(0, 1, 3)).toEqual([[1, 1, "cell 1"], [1, 2, "cell 2"]]);
  });
});
