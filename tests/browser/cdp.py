"""A small DevTools-protocol client for headless Chromium, python3 stdlib only.

Chromium is started with --remote-debugging-pipe: it reads commands on its
fd 3 and writes answers and events on its fd 4, each message one JSON text
ended by a NUL byte. No websocket, no port, nothing downloaded. This module
launches the browser, opens tabs and offers the few page operations the
browser tests need (navigate, evaluate, wait, keys, screenshots); it knows
nothing about timelined.
"""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-extensions", "--mute-audio",
    "--hide-scrollbars", "--remote-debugging-pipe",
]


class CDPError(Exception):
    """A command the browser answered with an error, or did not answer."""


def find_chromium():
    """Path of the Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium process driven over the DevTools pipe."""

    def __init__(self, binary=None, timeout=20):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="timelined-chromium-")
        self.next_id = 0
        self.lock = threading.Lock()
        self.pending = {}
        self.events = []
        self.cond = threading.Condition()
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            # The child reads commands on fd 3 and writes on fd 4; dup2'd
            # fds are inheritable, and close_fds is off so they survive
            # (our other fds are close-on-exec, as Python makes them).
            # Dup first: a pipe end may already sit on fd 3 or 4, and
            # dup2 onto itself would keep it close-on-exec.
            r, w = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        binary = binary or find_chromium()
        if binary is None:
            raise CDPError("chromium not found")
        self.proc = subprocess.Popen(
            [binary] + FLAGS + ["--user-data-dir=" + self.profile,
                                "about:blank"],
            preexec_fn=fds, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        """Reader thread: splits the pipe on NULs, files answers and events."""
        buf = b""
        while True:
            try:
                chunk = os.read(self.from_child, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self.cond:
                    if "id" in msg:
                        self.pending[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                    self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    closed = False

    def send(self, method, params=None, session=None, timeout=None):
        """Sends one command and returns its result (raises on error)."""
        with self.lock:
            self.next_id += 1
            mid = self.next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self.cond:
            while mid not in self.pending:
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise CDPError("no answer to %s" % method)
                self.cond.wait(left)
            ans = self.pending.pop(mid)
        if "error" in ans:
            raise CDPError("%s: %s" % (method, ans["error"].get("message")))
        return ans.get("result", {})

    def new_page(self, width=1280, height=720):
        """Opens a tab and returns a Page attached to it."""
        target = self.send("Target.createTarget", {"url": "about:blank"})
        sess = self.send("Target.attachToTarget",
                         {"targetId": target["targetId"], "flatten": True})
        page = Page(self, sess["sessionId"], target["targetId"])
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.viewport(width, height)
        return page

    def close(self):
        """Asks the browser to quit, then makes sure it did."""
        try:
            self.send("Browser.close", timeout=5)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """One tab: navigation, script evaluation, keys and screenshots."""

    def __init__(self, browser, session, target):
        self.browser = browser
        self.session = session
        self.target = target

    def call(self, method, params=None, timeout=None):
        """A command in this tab's session."""
        return self.browser.send(method, params, self.session, timeout)

    def viewport(self, width, height, scale=1):
        """Sets the window size the page is laid out for."""
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height,
                   "deviceScaleFactor": scale, "mobile": False})

    def color_scheme(self, scheme):
        """Emulates prefers-color-scheme: "dark" or "light"."""
        self.call("Emulation.setEmulatedMedia",
                  {"features": [{"name": "prefers-color-scheme",
                                 "value": scheme}]})

    def goto(self, url):
        """Loads url and waits for its load event."""
        self.call("Page.navigate", {"url": url})
        self.wait("document.readyState === 'complete'")

    def js(self, expr):
        """Value of a JavaScript expression (promises awaited)."""
        res = self.call("Runtime.evaluate",
                        {"expression": expr, "returnByValue": True,
                         "awaitPromise": True})
        if "exceptionDetails" in res:
            det = res["exceptionDetails"]
            text = det.get("exception", {}).get("description") or det.get("text")
            raise CDPError("script failed: %s" % text)
        return res.get("result", {}).get("value")

    def wait(self, expr, timeout=15, what=None):
        """Polls expr until it is truthy; returns its value or raises."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.js(expr)
            except CDPError as e:
                last = str(e)
            else:
                if last:
                    return last
            time.sleep(0.1)
        raise AssertionError("timed out after %ss waiting for %s (last: %r)"
                             % (timeout, what or expr, last))

    def key(self, key, code=None, text=None):
        """Presses and releases one key in the focused element."""
        base = {"key": key, "code": code or key,
                "windowsVirtualKeyCode": {"Enter": 13, "Tab": 9,
                                          " ": 32}.get(key, 0)}
        down = dict(base, type="keyDown")
        if text:
            down["text"] = text
        self.call("Input.dispatchKeyEvent", down)
        self.call("Input.dispatchKeyEvent", dict(base, type="keyUp"))

    def errors(self):
        """Uncaught exceptions and console.error calls seen in this tab."""
        out = []
        with self.browser.cond:
            evs = [e for e in self.browser.events if e.get("sessionId") == self.session]
        for e in evs:
            p = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append(d.get("exception", {}).get("description") or d.get("text"))
            elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(" ".join(str(a.get("value", a.get("description")))
                                    for a in p.get("args", [])))
        return out

    def type_text(self, text):
        """Types text into the focused element."""
        self.call("Input.insertText", {"text": text})

    def close(self):
        """Closes the tab."""
        try:
            self.browser.send("Target.closeTarget", {"targetId": self.target})
        except CDPError:
            pass

    def screenshot(self, path, full=False):
        """Saves a PNG of the viewport (or of the whole page)."""
        params = {"format": "png"}
        if full:
            params["captureBeyondViewport"] = True
            m = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": m["width"],
                              "height": m["height"], "scale": 1}
        data = self.call("Page.captureScreenshot", params, timeout=60)["data"]
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path
