import { describe, expect, it, vi } from "vitest";
import { nn, print, torch } from "../src/index.js";
import { pyStr } from "../src/print.js";

describe("print", () => {
  it("formats values as Python's str() does", () => {
    expect(pyStr([1, 2.5, true, null, "a"])).toBe("[1, 2.5, True, None, 'a']");
    expect(pyStr(undefined)).toBe("None");
    expect(pyStr(false)).toBe("False");
    expect(pyStr(NaN)).toBe("nan");
    expect(pyStr(-Infinity)).toBe("-inf");
    expect(pyStr("plain")).toBe("plain");
  });

  it("prints tensors, sizes and modules the way PyTorch does", () => {
    expect(pyStr(torch.zeros(1, 6, 28, 28).shape)).toBe("torch.Size([1, 6, 28, 28])");
    expect(pyStr(torch.tensor([1, 2]))).toBe("tensor([1, 2])");
    expect(pyStr(new nn.Linear(400, 120))).toBe("Linear(in_features=400, out_features=120, bias=True)");
  });

  it("joins arguments with a space and ends the line", () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      print("out:", torch.zeros(1, 10).shape, 3);
      expect(write).toHaveBeenCalledWith("out: torch.Size([1, 10]) 3\n");
    } finally {
      write.mockRestore();
    }
  });
});
