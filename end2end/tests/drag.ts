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

/** Both ends of a drag. The source is scrolled into view first; the target must then be
 * on screen too (the app hit-tests with elementFromPoint, which sees only the viewport). */
async function ends(source: Locator, target: Locator, opts: DragOptions): Promise<[Point, Point, number]> {
  await source.scrollIntoViewIfNeeded();
  const from = await pointOf(source);
  const to = await pointOf(target, opts.position);
  return [from, to, Math.max(5, opts.steps ?? 10)];
}

/** Drags `source` onto `target` with the mouse: press on the source's centre, move there
 * in steps (the app starts a drag only after 6 px, and marks the zone on each move),
 * release. */
export async function mouseDrag(page: Page, source: Locator, target: Locator, opts: DragOptions = {}) {
  const [from, to, steps] = await ends(source, target, opts);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps });
  await page.mouse.up();
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
  const [from, to, steps] = await ends(source, target, opts);
  const cdp = await page.context().newCDPSession(page);
  const touch = (type: "touchStart" | "touchMove" | "touchEnd", p?: Point) =>
    cdp.send("Input.dispatchTouchEvent", { type, touchPoints: p ? [{ x: p.x, y: p.y, id: 1 }] : [] });
  try {
    await touch("touchStart", from);
    for (let i = 1; i <= steps; i++) {
      await touch("touchMove", { x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps });
    }
    await touch("touchEnd");
  } finally {
    await cdp.detach();
  }
}
