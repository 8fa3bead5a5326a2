"""Conformance of the tsorch kernel with jupyter_kernel_test (the Jupyter project's own kernel checks).

Run from test/kernel-conformance.test.ts, which writes the kernelspec into a temporary
JUPYTER_PATH; by hand:

    JUPYTER_PATH=/tmp/x/share/jupyter /usr/bin/python3 -m unittest -v test_tsorch_kernel

Every sample attribute is set, so no test of jupyter_kernel_test is skipped; two more tests
check protocol 5.5's iopub_welcome and interrupts in "message" mode through jupyter_client.
"""

import os
import time
import unittest

import jupyter_kernel_test
import zmq
from jupyter_kernel_test.msgspec_v5 import validate_message

# A 1x1 red PNG, shown through display.png().
PNG_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


class TsorchKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("TSORCH_KERNEL_NAME", "tsorch")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "const tsorchValue = 1; tsorchVa", "matches": {"tsorchValue"}},
    ]

    complete_code_samples = ["1 + 1", "const x = 1;", "function f(a: number) { return a * 2; }"]
    incomplete_code_samples = ["function f(a: number) {", "const xs = [1, 2,", "if (true) {"]
    invalid_code_samples = ["const = 5;", "1 +* 2", "}"]

    # `name?` as a whole cell pages the documentation of `name` (payload source "page").
    code_page_something = "Math.max?"

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"tsorch".length * 2', "result": "12"},
        {"code": "[1, 2, 3].map((x) => x * x)", "result": "[ 1, 4, 9 ]"},
    ]

    code_display_data = [
        {"code": 'display("plain text")', "mime": "text/plain"},
        {"code": 'display.html("<b>bold</b>")', "mime": "text/html"},
        {"code": f'display.png("{PNG_BASE64}", {{ width: 1, height: 1 }})', "mime": "image/png"},
    ]

    code_history_pattern = "1 + ?"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = "clearOutput()"

    # Beyond jupyter_kernel_test 0.4.5 (Debian's): protocol 5.5's welcome, and interrupts through
    # jupyter_client's KernelManager, which sends interrupt_request because the kernelspec says
    # interrupt_mode "message".

    def test_iopub_welcome(self):
        info = self.km.get_connection_info()
        socket = zmq.Context.instance().socket(zmq.SUB)
        socket.linger = 0
        socket.setsockopt(zmq.SUBSCRIBE, b"")
        socket.connect(f"{info['transport']}://{info['ip']}:{info['iopub_port']}")
        try:
            self.assertTrue(socket.poll(10_000), "no iopub_welcome within 10 s")
            _, frames = self.km.session.feed_identities(socket.recv_multipart())
            msg = self.km.session.deserialize(frames)
        finally:
            socket.close()
        self.assertEqual(msg["msg_type"], "iopub_welcome")
        self.assertEqual(msg["content"], {"subscription": ""})
        # The welcome goes to every subscriber of that topic, the test client's own too; this
        # jupyter_kernel_test's flush_channels does not know the message type, so drop it here.
        self.drain_iopub(lambda m: m["msg_type"] == "iopub_welcome")

    def drain_iopub(self, until):
        """Reads IOPub until a message satisfies `until` (that message included)."""
        while True:
            msg = self.kc.get_iopub_msg(timeout=10)
            if until(msg):
                return

    def test_interrupt_message_mode(self):
        self.flush_channels()
        self.assertEqual(self.km.kernel_spec.interrupt_mode, "message")
        self.execute_helper("let interruptKept = 7;", timeout=60)
        msg_id = self.kc.execute("while (true) {}")
        time.sleep(1.0)
        self.km.interrupt_kernel()
        reply = self.get_non_kernel_info_reply(timeout=30)
        validate_message(reply, "execute_reply", msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        self.drain_iopub(
            lambda m: m["parent_header"].get("msg_id") == msg_id
            and m["msg_type"] == "status"
            and m["content"]["execution_state"] == "idle"
        )
        reply, outputs = self.execute_helper("interruptKept * 6")
        self.assertEqual(reply["content"]["status"], "ok")
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "42")


if __name__ == "__main__":
    unittest.main()
