#!/usr/bin/env python3
"""Drives pages written by `digitnet web` in headless Chromium (Playwright).

    browser.py [--chromium PATH] --out DIR [--screenshot PNG] [--reps N] PAGE[:DIGITS[:SKIP]] ...

For each page: opens it from its file:// address, waits for the load-time
check and reads the badge. For a page with DIGITS > 0 it also draws that many
of the page's embedded MNIST test digits (after the first SKIP of the order
below, so that two runs can share the drawings) on the canvas with pointer events
(each digit's ink replayed as strokes, one per run of inked pixels in a row;
by mouse, pen and touch in turn), reads the answer the page shows after each
drawing, and saves the drawing as PNG (canvas.toDataURL) under DIR, so that
`digitnet predict` can read the same picture; then it times the module,
shows a random test digit with the keyboard, and checks the layout on a
phone-sized screen and the text contrast. Prints one JSON object; judging it
is left to the caller (host/tests/browser.rs).

Needs Playwright for Python (pip install playwright) and a Chromium binary
(Debian: apt-get install chromium); Playwright's own browser downloads are
not used.
"""

import argparse
import base64
import json
import math
import os
import statistics
import sys
import tempfile

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIDE = 28
INK = 128  # a pixel at least this grey is part of a stroke

# WCAG contrast of an element's text against the first opaque background
# behind it (its own or an ancestor's).
CONTRAST_JS = """(selectors) => {
  const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  return selectors.map((sel) => {
    const el = document.querySelector(sel);
    let bg = null;
    for (let e = el; e && !bg; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] === 1) bg = c.slice(0, 3);
    }
    const fg = rgb(getComputedStyle(el).color).slice(0, 3);
    const [a, b] = [lum(fg), lum(bg || [255, 255, 255])].sort((x, y) => y - x);
    return { selector: sel, ratio: (a + 0.05) / (b + 0.05) };
  });
}"""


def three():
    """A hand-drawn "3" as one pointer stroke: two arcs, in fractions of the pad's side."""
    points = []
    for k in range(19):  # the upper bowl, from its left end round to the waist
        a = math.radians(-200 + 250 * k / 18)
        points.append((0.50 + 0.20 * math.cos(a), 0.33 + 0.15 * math.sin(a)))
    for k in range(1, 23):  # the lower bowl, from the waist round to its left end
        a = math.radians(-90 + 250 * k / 22)
        points.append((0.50 + 0.23 * math.cos(a), 0.66 + 0.18 * math.sin(a)))
    return points


def strokes(pixels):
    """The ink of a 28x28 digit as horizontal strokes: ((x0, y), (x1, y)) in pixels."""
    out = []
    for y in range(SIDE):
        row = pixels[y * SIDE:(y + 1) * SIDE]
        x = 0
        while x < SIDE:
            if row[x] >= INK:
                start = x
                while x + 1 < SIDE and row[x + 1] >= INK:
                    x += 1
                out.append(((start, y), (x, y)))
            x += 1
    return out


class Pen:
    """Draws strokes on the page's canvas with one kind of pointer."""

    def __init__(self, page, cdp, kind):
        self.page, self.cdp, self.kind = page, cdp, kind

    def stroke(self, points):
        first, rest = points[0], points[1:]
        if self.kind == "mouse":
            self.page.mouse.move(*first)
            self.page.mouse.down()
            for p in rest:
                self.page.mouse.move(*p)
            self.page.mouse.up()
        elif self.kind == "pen":
            for kind, (x, y) in [("mousePressed", first)] + [("mouseMoved", p) for p in rest] + [
                ("mouseReleased", (rest or [first])[-1])
            ]:
                self.cdp.send("Input.dispatchMouseEvent", {
                    "type": kind, "x": x, "y": y, "button": "left",
                    "buttons": 0 if kind == "mouseReleased" else 1,
                    "clickCount": 1, "pointerType": "pen", "force": 0.5,
                })
        else:
            self.cdp.send("Input.dispatchTouchEvent",
                          {"type": "touchStart", "touchPoints": [{"x": first[0], "y": first[1]}]})
            for x, y in rest:
                self.cdp.send("Input.dispatchTouchEvent",
                              {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
            self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def wait_settled(page, updates_before):
    page.wait_for_function(
        "(n) => window.digitnet.updates > n && !window.digitnet.pending", arg=updates_before
    )


def draw_digit(page, pen, pixels):
    """Clears the pad and draws the digit's strokes; returns what the page shows."""
    page.evaluate("window.digitnet.clear()")
    box = page.locator("#pad").bounding_box()
    # The digit's 28 pixels span the canvas, inside its 2 px border.
    inner = box["width"] - 4
    scale = inner / SIDE

    def at(x, y):
        return (box["x"] + 2 + (x + 0.5) * scale, box["y"] + 2 + (y + 0.5) * scale)

    before = page.evaluate("window.digitnet.updates")
    for (x0, y0), (x1, y1) in strokes(pixels):
        # A run of one pixel is a dot: pointer down and up.
        pen.stroke([at(x0, y0)] + ([at(x1, y1)] if x1 > x0 else []))
    wait_settled(page, before)
    shown = page.inner_text("#digit")
    result = page.evaluate("window.digitnet.result")
    png = page.evaluate("document.getElementById('pad').toDataURL('image/png')")
    return shown, result, base64.b64decode(png.split(",", 1)[1])


def run_page(context, path, digits, skip, out_dir, screenshot, reps):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("file://" + os.path.abspath(path))
    page.wait_for_function(
        "window.digitnet && (window.digitnet.ready || document.getElementById('badge').className === 'bad')",
        timeout=30_000,
    )
    report = {
        "page": path,
        "badge": page.inner_text("#badge"),
        "badge_class": page.get_attribute("#badge", "class"),
        "check": page.evaluate("window.digitnet.check || null"),
        "errors": errors,
    }
    if digits == 0:
        page.close()
        return report

    data = page.evaluate("JSON.parse(document.getElementById('digitnet-data').textContent).digits")
    pixels = base64.b64decode(data["pixels"])
    labels = data["labels"]
    # The first digits of each label in turn: 0, 1, ..., 9, 0, 1, ...
    order, taken = [], {}
    for round_ in range(len(labels)):
        for label in range(10):
            i = next((k for k, l in enumerate(labels) if l == label and k not in taken), None)
            if i is not None and len(order) < skip + digits:
                taken[i] = True
                order.append(i)
        if len(order) >= skip + digits:
            break

    cdp = context.new_cdp_session(page)
    kinds = ["mouse", "pen", "touch"]
    drawn, timings = [], []
    os.makedirs(out_dir, exist_ok=True)
    for n, i in enumerate(order[skip:], start=skip):
        pen = Pen(page, cdp, kinds[n % len(kinds)])
        shown, result, png = draw_digit(page, pen, pixels[i * 784:(i + 1) * 784])
        file = os.path.join(out_dir, f"drawn-{n:02}-test{data['indices'][i]}.png")
        with open(file, "wb") as f:
            f.write(png)
        drawn.append({
            "index": data["indices"][i],
            "label": labels[i],
            "pointer": pen.kind,
            "shown": shown,
            "digit": result["digit"],
            "bits": result["bits"],
            "png": file,
        })
        timings.append(page.evaluate("(r) => window.digitnet.bench(r)", reps))
    report["drawn"] = drawn
    report["pointer_types"] = page.evaluate("window.digitnet.pointerTypes")
    report["timing"] = {
        key: statistics.median(t[key] for t in timings)
        for key in ("picture_ms", "forward_ms", "update_ms")
    }
    report["timing"]["reps"] = reps
    report["timing"]["drawings"] = len(timings)

    if screenshot:
        # A digit drawn as a person draws it, in one stroke.
        page.evaluate("window.digitnet.clear()")
        box = page.locator("#pad").bounding_box()
        before = page.evaluate("window.digitnet.updates")
        Pen(page, cdp, "mouse").stroke(
            [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in three()])
        wait_settled(page, before)
        report["screenshot_digit"] = page.evaluate("window.digitnet.result.digit")
        page.screenshot(path=screenshot, full_page=True)
        report["screenshot"] = screenshot

    # The keyboard: Tab reaches both buttons, with a visible focus ring; Enter
    # on "Random test digit" shows one, with its label.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    focus = []
    for _ in range(2):
        page.keyboard.press("Tab")
        focus.append(page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return { id: e.id, outline: s.outlineStyle, width: s.outlineWidth }; })()"))
    page.keyboard.press("Enter")
    report["keyboard"] = {
        "focus": focus,
        "shown": page.evaluate("window.digitnet.shown || null"),
        "answer": page.inner_text("#digit"),
        "label": page.inner_text("#label"),
        "label_visible": page.is_visible("#truth"),
    }
    report["contrast"] = page.evaluate(CONTRAST_JS, [
        "h1", "header p", "#hint", ".caption", "#digit", "#label", "#mark", "#bars li", "#scores", "#badge",
        "#model", "#timing", "#clear", "#random",
    ])
    report["errors"] = errors

    # A phone-sized screen: nothing wider than the screen, the pad and both
    # buttons inside it, the buttons big enough to tap.
    page.set_viewport_size({"width": 360, "height": 740})
    report["phone"] = page.evaluate("""() => {
      const box = (id) => { const r = document.getElementById(id).getBoundingClientRect();
        return { left: r.left, right: r.right, width: r.width, height: r.height }; };
      return { viewport: innerWidth, scroll_width: document.documentElement.scrollWidth,
               pad: box("pad"), clear: box("clear"), random: box("random") };
    }""")
    page.close()
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", metavar="PAGE[:DIGITS[:SKIP]]")
    parser.add_argument("--chromium", default=os.environ.get("DIGITNET_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--out", required=True, help="folder for the drawings as PNG")
    parser.add_argument("--screenshot", help="save a screenshot of the first page with a drawing here")
    parser.add_argument("--reps", type=int, default=100, help="repetitions per timing")
    args = parser.parse_args()

    reports = []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=args.chromium,
            headless=True,
            args=ARGS,
            viewport={"width": 820, "height": 660},
            has_touch=True,
        )
        screenshot = args.screenshot
        for k, spec in enumerate(args.pages):
            path, _, counts = spec.partition(":")
            digits, _, skip = counts.partition(":")
            digits, skip = int(digits or 0), int(skip or 0)
            out_dir = os.path.join(args.out, f"page{k}")
            reports.append(
                run_page(context, path, digits, skip, out_dir, screenshot if digits else None, args.reps))
            if digits:
                screenshot = None
        context.close()
    json.dump({"chromium": args.chromium, "pages": reports}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
