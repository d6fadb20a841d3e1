//! Drag and drop by pointer events: one mechanism for a mouse, a pen and a finger.
//!
//! HTML5 drag and drop (`draggable`, `dragstart`, `drop`) never fires on touch screens,
//! so phones could not reorder an approval chain or move a kanban card. Pointer events
//! fire for every input; with `touch-action: none` on what is dragged (style/main.css)
//! the browser does not scroll instead.
//!
//! A page wraps its markup in [`DragArea`] and marks it up with data attributes:
//! `data-drag="ID"` (optionally `data-drag-kind="KIND"`, and a `data-drag-handle` inside
//! to drag only by it) makes an item draggable; `data-drop="ZONE"` (optionally
//! `data-accept="KIND KIND"` and `data-drop-axis="x"`) makes a drop zone. A drop calls
//! `on_drop` with a [`Drop`]; the page moves its data and the view follows. The mechanism
//! never moves DOM nodes itself: it only adds classes (`dragging`, `drop-over`,
//! `drop-before`, `drop-end`, `dnd-active` on `<html>`) and a floating `.drag-ghost`.
//!
//! Invariants:
//! - A drag never starts before the pointer moved 6 CSS px, so taps and clicks work;
//!   a press on a `button, a, input, select, textarea, label` inside an item (other than
//!   its handle) never starts one, so controls in cards keep working.
//! - At most one drag at a time, in the whole page: its state is a single thread-local
//!   slot; a second finger, or a press in another area, is ignored while a drag is on.
//! - Every exit path (drop, `pointercancel`, lost pointer capture, Escape, unmount of the
//!   area) goes through `finish`, which removes the ghost, every class and the capture.
//!   The click that follows a drag is swallowed, so a card's link is not followed.
//!
//! The ghost is a deep copy of the item appended to `<body>` (ids, test ids and data
//! attributes stripped), so style it by the item's own classes, not by its ancestors;
//! items and handles must be boxes, not table rows (`touch-action` ignores those).
//!
//! Accessibility: this does not move anything by keyboard. Every page that uses it must
//! offer the same moves with buttons ("move up", "move to column…"), which are also what
//! screen-reader users and tests without a pointer rely on.
//!
//! Server side the component only renders its `<div>`: handlers run in the browser only,
//! and the thread-local slot is always empty on the server.
use leptos::prelude::*;
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use web_sys::wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// What a finished drag asks the page to do: put `item` into `zone` at `index`.
#[derive(Clone, Debug, PartialEq)]
pub struct Drop {
    /// The item's `data-drag`.
    pub item: String,
    /// The item's `data-drag-kind`, if any.
    pub kind: Option<String>,
    /// The zone's `data-drop`.
    pub zone: String,
    /// Insertion position among the zone's items, the dragged item left out (so for a
    /// move inside one list: remove the item, then insert it at `index`).
    pub index: usize,
}

/// The distance, in CSS px, a pointer must move before a press becomes a drag.
pub(crate) const THRESHOLD: f64 = 6.0;
/// A press inside one of these (within an item, handle excepted) is left to the control.
const CONTROLS: &str = "button, a, input, select, textarea, label";

/// Within this many CSS px of the viewport's top or bottom, a drag scrolls the page, so a
/// phone can carry an item to a zone that starts off screen.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const EDGE: f64 = 72.0;

/// Pixels to scroll per frame for a pointer at `y` in a viewport `height` tall: up near
/// the top, down near the bottom, faster the closer to the edge, 0 elsewhere.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(crate) fn edge_scroll(y: f64, height: f64) -> f64 {
    let depth = |d: f64| (EDGE - d.max(0.0)).max(0.0) / 4.0;
    if y < EDGE {
        -depth(y)
    } else if y > height - EDGE {
        depth(height - y)
    } else {
        0.0
    }
}

/// True once a press has moved far enough to be a drag.
pub(crate) fn moved_enough(dx: f64, dy: f64) -> bool {
    dx * dx + dy * dy >= THRESHOLD * THRESHOLD
}

/// Where a pointer at `at` inserts into items whose midpoints (in document order) are `mids`.
pub(crate) fn insertion_index(mids: &[f64], at: f64) -> usize {
    mids.iter().position(|&m| at < m).unwrap_or(mids.len())
}

/// Whether a zone with `data-accept` = `accept` takes an item of `kind`.
pub(crate) fn accepts(accept: Option<&str>, kind: Option<&str>) -> bool {
    match accept {
        None => true,
        Some(list) => kind.is_some_and(|k| list.split_whitespace().any(|a| a == k)),
    }
}

/// An area in which `[data-drag]` items can be dropped on `[data-drop]` zones.
#[component]
pub fn DragArea(
    /// Called once per successful drop, after the DOM has been cleaned up.
    on_drop: Callback<Drop>,
    children: Children,
) -> impl IntoView {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let area = NodeRef::<leptos::html::Div>::new();
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            cancel(id, None);
        }
    });
    on_cleanup(move || {
        keys.remove();
        cancel(id, None);
    });
    view! {
        <div
            class="drag-area"
            node_ref=area
            on:pointerdown=move |ev| down(id, area, &ev)
            on:pointermove=move |ev| moved(id, &ev)
            on:pointerup=move |ev| {
                if let Some(drop) = up(id, &ev) {
                    on_drop.run(drop);
                }
            }
            on:pointercancel=move |ev| cancel(id, Some(ev.pointer_id()))
            on:lostpointercapture=move |ev| lost(id, &ev)
            on:dragstart=move |ev| {
                if held(id) {
                    ev.prevent_default();
                }
            }
            on:click:capture=move |ev| {
                if SWALLOW.replace(false) {
                    ev.prevent_default();
                    ev.stop_propagation();
                }
            }
        >
            {children()}
        </div>
    }
}

/// The press or drag under way (at most one in the page).
struct Drag {
    area_id: usize,
    area: Element,
    pointer: i32,
    start: (f64, f64),
    item: Element,
    id: String,
    kind: Option<String>,
    /// Set once the pointer moved [`THRESHOLD`] px: the drag proper.
    live: Option<Live>,
}

struct Live {
    ghost: Option<HtmlElement>,
    /// The pointer's last position, for the edge scroller.
    last: (f64, f64),
    /// Where the item was grabbed, relative to its top-left corner.
    grab: (f64, f64),
    target: Option<Target>,
}

struct Target {
    zone: Element,
    zone_id: String,
    index: usize,
    /// The item the drop lands before (`drop-before`); `None` = at the end (`drop-end`).
    before: Option<Element>,
}

thread_local! {
    /// The press or drag under way; taken out while handled, so no borrow is ever held.
    static DRAG: Cell<Option<Drag>> = const { Cell::new(None) };
    /// Set when a drag ends: the click that follows is swallowed; the next press clears it.
    static SWALLOW: Cell<bool> = const { Cell::new(false) };
    /// Scrolls the page while a live drag's pointer rests near an edge (browser only).
    #[cfg(feature = "hydrate")]
    static SCROLLER: Cell<Option<gloo_timers::callback::Interval>> = const { Cell::new(None) };
}

fn el(target: Option<web_sys::EventTarget>) -> Option<Element> {
    target?.dyn_into::<Element>().ok()
}

fn closest(e: &Element, selector: &str) -> Option<Element> {
    e.closest(selector).ok().flatten()
}

fn xy(ev: &web_sys::PointerEvent) -> (f64, f64) {
    (f64::from(ev.client_x()), f64::from(ev.client_y()))
}

/// Elements matching `selector` under `root`, in document order.
fn all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into::<Element>())
        .collect()
}

fn held(area_id: usize) -> bool {
    let d = DRAG.take();
    let held = d.as_ref().is_some_and(|d| d.area_id == area_id);
    DRAG.set(d);
    held
}

/// Whether a press on `target` may drag `item`: by its handle if it has one, else
/// anywhere but on a control inside it.
fn grabbable(target: &Element, item: &Element) -> bool {
    let own = |h: &Element| closest(h, "[data-drag]").as_ref() == Some(item);
    if closest(target, "[data-drag-handle]").is_some_and(|h| own(&h)) {
        return true;
    }
    if all(item, "[data-drag-handle]").iter().any(own) {
        return false;
    }
    !closest(target, CONTROLS).is_some_and(|c| c != *item && item.contains(Some(&c)))
}

fn down(area_id: usize, area: NodeRef<leptos::html::Div>, ev: &web_sys::PointerEvent) {
    if !ev.is_primary() || (ev.pointer_type() == "mouse" && ev.button() != 0) {
        return;
    }
    SWALLOW.set(false);
    // A drag under way keeps the slot; a mere press left over (its release happened
    // outside every area) is forgotten.
    let busy = DRAG.take();
    if busy.as_ref().is_some_and(|d| d.live.is_some()) {
        return DRAG.set(busy);
    }
    let (Some(target), Some(area)) = (el(ev.target()), area.get_untracked()) else {
        return;
    };
    let area: Element = area.unchecked_into();
    let Some(item) = closest(&target, "[data-drag]") else {
        return;
    };
    if !area.contains(Some(&item)) || !grabbable(&target, &item) {
        return;
    }
    DRAG.set(Some(Drag {
        area_id,
        area,
        pointer: ev.pointer_id(),
        start: xy(ev),
        id: item.get_attribute("data-drag").unwrap_or_default(),
        kind: item.get_attribute("data-drag-kind"),
        item,
        live: None,
    }));
}

fn moved(area_id: usize, ev: &web_sys::PointerEvent) {
    let Some(mut d) = DRAG.take() else { return };
    if d.live.is_none() && d.pointer == ev.pointer_id() && ev.buttons() == 0 {
        return; // a press whose release we never saw: forget it
    }
    if d.area_id == area_id && d.pointer == ev.pointer_id() {
        let (x, y) = xy(ev);
        if d.live.is_none() && moved_enough(x - d.start.0, y - d.start.1) {
            d.live = Some(start(&d));
        }
        if let Some(live) = d.live.as_mut() {
            ev.prevent_default();
            if let Some(g) = &live.ghost {
                let at = format!(
                    "translate3d({}px, {}px, 0)",
                    x - live.grab.0,
                    y - live.grab.1
                );
                let _ = g.style().set_property("transform", &at);
            }
            live.last = (x, y);
            retarget(&d.area, &d.item, d.kind.as_deref(), live);
        }
    }
    DRAG.set(Some(d));
}

/// Marks the zone under the pointer's last position as the target.
fn retarget(area: &Element, item: &Element, kind: Option<&str>, live: &mut Live) {
    let found = find_target(area, item, kind, live.last.0, live.last.1);
    mark(live.target.take(), false);
    live.target = mark(found, true);
}

/// One frame of the edge scroller: scroll if the pointer rests near an edge, and
/// re-aim, since the zones moved under it.
#[cfg(feature = "hydrate")]
fn scroll_frame() {
    let Some(mut d) = DRAG.take() else { return };
    if let Some(live) = d.live.as_mut() {
        let height = window()
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0);
        let dy = edge_scroll(live.last.1, height);
        if dy != 0.0 {
            window().scroll_by_with_x_and_y(0.0, dy);
            retarget(&d.area, &d.item, d.kind.as_deref(), live);
        }
    }
    DRAG.set(Some(d));
}

/// Turns a press into a drag: capture, classes and the ghost.
fn start(d: &Drag) -> Live {
    let _ = d.area.set_pointer_capture(d.pointer);
    let rect = d.item.get_bounding_client_rect();
    let ghost = d
        .item
        .clone_node_with_deep(true)
        .ok()
        .and_then(|n| n.dyn_into::<HtmlElement>().ok());
    if let Some(g) = &ghost {
        // The copy must not be found by selectors (tests, zones, items) nor read aloud.
        const MARKS: [&str; 5] = [
            "id",
            "data-testid",
            "data-drag",
            "data-drop",
            "data-drag-handle",
        ];
        let inner = all(g, &MARKS.map(|a| format!("[{a}]")).join(", "));
        for e in inner.iter().chain([g.unchecked_ref::<Element>()]) {
            for a in MARKS {
                let _ = e.remove_attribute(a);
            }
        }
        let _ = g.set_attribute("aria-hidden", "true");
        let _ = g.class_list().add_1("drag-ghost");
        let _ = g
            .style()
            .set_property("width", &format!("{}px", rect.width()));
        if let Some(body) = document().body() {
            let _ = body.append_child(g);
        }
    }
    let _ = d.item.class_list().add_1("dragging");
    if let Ok(Some(selection)) = window().get_selection() {
        let _ = selection.remove_all_ranges();
    }
    if let Some(html) = document().document_element() {
        let _ = html.class_list().add_1("dnd-active");
    }
    #[cfg(feature = "hydrate")]
    SCROLLER.set(Some(gloo_timers::callback::Interval::new(16, scroll_frame)));
    Live {
        ghost,
        last: d.start,
        grab: (d.start.0 - rect.left(), d.start.1 - rect.top()),
        target: None,
    }
}

/// The accepting zone under (x, y) and where in it the item would land.
fn find_target(
    area: &Element,
    item: &Element,
    kind: Option<&str>,
    x: f64,
    y: f64,
) -> Option<Target> {
    let mut at = document().element_from_point(x as f32, y as f32)?;
    let zone = loop {
        let z = closest(&at, "[data-drop]")?;
        let ok = area.contains(Some(&z)) && !item.contains(Some(&z));
        if ok && accepts(z.get_attribute("data-accept").as_deref(), kind) {
            break z;
        }
        at = z.parent_element()?;
    };
    let x_axis = zone.get_attribute("data-drop-axis").as_deref() == Some("x");
    // The zone's own items: not the dragged one, not items of a nested zone or item.
    let items: Vec<Element> = all(&zone, "[data-drag]")
        .into_iter()
        .filter(|e| e != item && !item.contains(Some(e)))
        .filter(|e| {
            let up = e.parent_element();
            let z = up.as_ref().and_then(|p| closest(p, "[data-drop]"));
            let owner = up.as_ref().and_then(|p| closest(p, "[data-drag]"));
            z.as_ref() == Some(&zone) && owner.is_none_or(|o| o.contains(Some(&zone)))
        })
        .collect();
    let mids: Vec<f64> = items
        .iter()
        .map(|e| {
            let r = e.get_bounding_client_rect();
            if x_axis {
                r.left() + r.width() / 2.0
            } else {
                r.top() + r.height() / 2.0
            }
        })
        .collect();
    let index = insertion_index(&mids, if x_axis { x } else { y });
    Some(Target {
        zone_id: zone.get_attribute("data-drop").unwrap_or_default(),
        before: items.get(index).cloned(),
        zone,
        index,
    })
}

/// Adds (`on`) or removes the drop marks of `t`; returns it.
fn mark(t: Option<Target>, on: bool) -> Option<Target> {
    let t = t?;
    let set = |e: &Element, class: &str| {
        let list = e.class_list();
        let _ = if on {
            list.add_1(class)
        } else {
            list.remove_1(class)
        };
    };
    set(&t.zone, "drop-over");
    match &t.before {
        Some(b) => set(b, "drop-before"),
        None => set(&t.zone, "drop-end"),
    }
    Some(t)
}

fn up(area_id: usize, ev: &web_sys::PointerEvent) -> Option<Drop> {
    let d = DRAG.take()?;
    if d.area_id != area_id || d.pointer != ev.pointer_id() {
        DRAG.set(Some(d));
        return None;
    }
    let drop = d
        .live
        .as_ref()
        .and_then(|l| l.target.as_ref())
        .map(|t| Drop {
            item: d.id.clone(),
            kind: d.kind.clone(),
            zone: t.zone_id.clone(),
            index: t.index,
        });
    if d.live.is_some() {
        ev.prevent_default();
    }
    finish(d);
    drop
}

/// Ends the drag of this area (of `pointer`, if given) without a drop.
fn cancel(area_id: usize, pointer: Option<i32>) {
    let Some(d) = DRAG.take() else { return };
    if d.area_id == area_id && pointer.is_none_or(|p| p == d.pointer) {
        finish(d);
    } else {
        DRAG.set(Some(d));
    }
}

/// The area lost its capture without a `pointerup` (e.g. it left the DOM). The
/// `lostpointercapture` of the touch's implicit capture, bubbling up from the pressed
/// element when `start` moves the capture to the area, is not ours.
fn lost(area_id: usize, ev: &web_sys::PointerEvent) {
    let Some(d) = DRAG.take() else { return };
    if d.area_id == area_id && d.live.is_some() && el(ev.target()).as_ref() == Some(&d.area) {
        finish(d);
    } else {
        DRAG.set(Some(d));
    }
}

/// The one exit path: the slot is already empty; undo everything `start` did.
fn finish(d: Drag) {
    let Some(live) = d.live else { return };
    SWALLOW.set(true);
    #[cfg(feature = "hydrate")]
    SCROLLER.set(None); // dropping the interval stops it
    if let Some(g) = live.ghost {
        g.remove();
    }
    mark(live.target, false);
    let _ = d.item.class_list().remove_1("dragging");
    if let Some(html) = document().document_element() {
        let _ = html.class_list().remove_1("dnd-active");
    }
    if d.area.has_pointer_capture(d.pointer) {
        let _ = d.area.release_pointer_capture(d.pointer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dnd_index_from_midpoints() {
        let mids = [10.0, 30.0, 50.0];
        assert_eq!(insertion_index(&mids, 0.0), 0);
        assert_eq!(insertion_index(&mids, 10.0), 1, "on a midpoint: after it");
        assert_eq!(insertion_index(&mids, 29.9), 1);
        assert_eq!(insertion_index(&mids, 45.0), 2);
        assert_eq!(insertion_index(&mids, 99.0), 3, "past the last: at the end");
        assert_eq!(insertion_index(&[], 5.0), 0, "empty zone");
    }

    #[test]
    fn dnd_edge_scroll_speeds() {
        assert_eq!(edge_scroll(400.0, 800.0), 0.0, "the middle does not scroll");
        assert_eq!(edge_scroll(EDGE, 800.0), 0.0);
        assert!(edge_scroll(EDGE - 1.0, 800.0) < 0.0, "near the top: up");
        assert!(
            edge_scroll(0.0, 800.0) < edge_scroll(40.0, 800.0),
            "faster at the edge"
        );
        assert!(edge_scroll(799.0, 800.0) > 0.0, "near the bottom: down");
        assert_eq!(
            edge_scroll(900.0, 800.0),
            EDGE / 4.0,
            "beyond the edge: the top speed"
        );
    }

    #[test]
    fn dnd_accept_lists() {
        assert!(accepts(None, None));
        assert!(accepts(None, Some("card")));
        assert!(accepts(Some("step chip"), Some("chip")));
        assert!(accepts(Some("  step   chip "), Some("step")));
        assert!(!accepts(Some("step chip"), Some("card")));
        assert!(
            !accepts(Some("step"), None),
            "an item without a kind only fits an open zone"
        );
        assert!(!accepts(Some("chip"), Some("chi")));
    }

    #[test]
    fn dnd_threshold_is_six_px() {
        assert!(!moved_enough(0.0, 0.0));
        assert!(!moved_enough(4.0, 4.0)); // 5.66 px
        assert!(moved_enough(6.0, 0.0));
        assert!(moved_enough(0.0, -6.0));
        assert!(moved_enough(5.0, 4.0)); // 6.4 px
    }
}
