import { Locator, Page } from "@playwright/test";

/** Where on the target the pointer is released. In a list, "top" drops before the
 * target item and "bottom" after it; on a zone, "bottom" lands at its end. */
export type DragOptions = { position?: "top" | "center" | "bottom"; steps?: number };

type Point = { x: number; y: number };

/** A point of `l`, in CSS pixels of the viewport (what page.mouse and CDP expect). A few
 * pixels inside the edge for top/bottom, so the point is still on the element. */
async function pointOf(l: Locator, position: DragOptions["position"] = "center"): Promise<Point> {
  const box = await l.boundingBox();
  if (!box) throw new Error(`drag: ${l} is not visible`);
  const inset = Math.min(4, box.height / 4);
  const y = position === "top" ? box.y + inset : position === "bottom" ? box.y + box.height - inset : box.y + box.height / 2;
  return { x: box.x + box.width / 2, y };
}

/** A drag in three moves: press on the source's centre, move 12 px (past the app's 6 px
 * threshold, so the drag has started and anything shown only while dragging, such as
 * the board's drop dock on a phone, is now on screen), then find the target and move
 * there in steps, marking zones on each move. The source is scrolled into view first;
 * the target must then be on screen too (the app hit-tests with elementFromPoint). */
async function drag(
  source: Locator,
  target: Locator,
  opts: DragOptions,
  input: { down: (p: Point) => Promise<void>; move: (p: Point) => Promise<void>; up: () => Promise<void> },
) {
  await source.scrollIntoViewIfNeeded();
  const from = await pointOf(source);
  await input.down(from);
  const started = { x: from.x, y: from.y + 12 };
  await input.move(started);
  const to = await pointOf(target, opts.position);
  const steps = Math.max(5, opts.steps ?? 10);
  for (let i = 1; i <= steps; i++) {
    await input.move({ x: started.x + ((to.x - started.x) * i) / steps, y: started.y + ((to.y - started.y) * i) / steps });
  }
  await input.up();
}

/** Drags `source` onto `target` with the mouse. */
export async function mouseDrag(page: Page, source: Locator, target: Locator, opts: DragOptions = {}) {
  await drag(source, target, opts, {
    down: async (p) => {
      await page.mouse.move(p.x, p.y);
      await page.mouse.down();
    },
    move: (p) => page.mouse.move(p.x, p.y),
    up: () => page.mouse.up(),
  });
}

/** Drags `source` onto `target` with a finger (Chromium only; the context needs
 * `hasTouch: true`, as the "phone" project has).
 *
 * Playwright has no touch-drag API: `page.touchscreen` can only tap, and synthetic
 * `TouchEvent`s dispatched from the page produce no pointer events. Chrome's DevTools
 * protocol (`Input.dispatchTouchEvent`) injects touches like a real screen does, so the
 * page sees pointerdown/move/up with pointerType "touch", touch-action applies, and a
 * drag that the browser turns into a scroll is cancelled just as on a phone. */
export async function touchDrag(page: Page, source: Locator, target: Locator, opts: DragOptions = {}) {
  const cdp = await page.context().newCDPSession(page);
  const touch = (type: "touchStart" | "touchMove" | "touchEnd", p?: Point) =>
    cdp.send("Input.dispatchTouchEvent", { type, touchPoints: p ? [{ x: p.x, y: p.y, id: 1 }] : [] }).then(() => undefined);
  try {
    await drag(source, target, opts, { down: (p) => touch("touchStart", p), move: (p) => touch("touchMove", p), up: () => touch("touchEnd") });
  } finally {
    await cdp.detach();
  }
}
