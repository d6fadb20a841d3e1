//! Client-side charts: plotters painting a laid-out `Scene` on a `<canvas>`.
//!
//! The server renders the canvas empty (each chart sits beside an exact table with
//! the same figures and links, so the page is complete before hydration and without
//! JavaScript). After hydration an `Effect` lays the chart out for the canvas' CSS
//! width, paints it with a backing store of CSS size × devicePixelRatio (crisp on
//! HiDPI), and repaints on resize or a language switch. Hover (mouse) or a first tap
//! (touch) shows a mark's values; a click, or a second tap, drills down to its link.
//! Pixel positions are f64; money reaches a chart already formatted in its tooltip.
pub mod scene;

use leptos::prelude::*;
use scene::{Chart, Scene};

#[component]
pub fn ChartCanvas(
    /// The chart, derived from the page's data (and the locale, for its words).
    #[prop(into)]
    chart: Signal<Chart>,
    /// What the chart shows, for screen readers.
    #[prop(into)]
    label: Signal<String>,
    testid: &'static str,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let scene = StoredValue::new(Scene::default());
    // (x, y, flip left, text) of the tooltip, and which mark it shows, so that a
    // second tap on the same mark drills down.
    let tip = RwSignal::new(None::<(f64, f64, bool, String)>);
    let shown = StoredValue::new(None::<usize>);
    let touch = StoredValue::new(false);
    let pointer = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    paint::on_change(chart, canvas, scene, move || {
        tip.set(None);
        shown.set_value(None);
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    // A tap anywhere else closes this chart's tip (touch has no "leave").
    let outside = window_event_listener(leptos::ev::pointerdown, move |ev| {
        let target = ev.target();
        let inside = canvas
            .get_untracked()
            .is_some_and(|c| target.as_ref().is_some_and(|t| *t == ****c));
        if !inside && tip.get_untracked().is_some() {
            tip.set(None);
            shown.set_value(None);
        }
    });
    on_cleanup(move || outside.remove());

    let show = move |x: f64, y: f64| -> Option<usize> {
        let found = scene.with_value(|s| s.hit(x, y));
        match found {
            Some(i) => scene.with_value(|s| {
                let right = x > s.width / 2.0;
                let tx = if right { x - 12.0 } else { x + 12.0 };
                tip.set(Some((tx, y + 12.0, right, s.marks[i].tip.clone())));
                pointer.set(s.marks[i].href.is_some());
            }),
            None => {
                tip.set(None);
                pointer.set(false);
            }
        }
        shown.set_value(found);
        found
    };
    let navigate = leptos_router::hooks::use_navigate();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let before = shown.get_value();
        let found = show(f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        // On touch the first tap shows the values and a second tap on the same mark
        // opens the rows behind it; a mouse click opens them at once.
        if touch.get_value() && before != found {
            return;
        }
        if let Some(href) = found.and_then(|i| scene.with_value(|s| s.marks[i].href.clone())) {
            navigate(&href, Default::default());
        }
    };
    view! {
        <div class="chart-box">
            <canvas
                node_ref=canvas
                class="chart"
                class:clickable=pointer
                role="img"
                aria-label=label
                data-testid=testid
                on:pointerdown=move |ev: leptos::ev::PointerEvent| touch.set_value(ev.pointer_type() != "mouse")
                on:pointermove=move |ev: leptos::ev::PointerEvent| {
                    if ev.pointer_type() == "mouse" {
                        show(f64::from(ev.offset_x()), f64::from(ev.offset_y()));
                    }
                }
                on:pointerleave=move |ev: leptos::ev::PointerEvent| {
                    // A lifted finger "leaves" before its click; only a mouse really leaves.
                    if ev.pointer_type() == "mouse" {
                        tip.set(None);
                        shown.set_value(None);
                    }
                }
                on:click=on_click
            ></canvas>
            {move || tip.get().map(|(x, y, flip, text)| {
                let shift = if flip { "transform:translateX(-100%);" } else { "" };
                let style = format!("left:{x:.0}px;top:{y:.0}px;{shift}");
                view! { <div class="chart-tip" style=style data-testid="chart-tip">{text}</div> }
            })}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod paint {
    use super::scene::{Align, Chart, Rgb, Scene, Shape};
    use leptos::prelude::*;
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters_canvas::CanvasBackend;
    use web_sys::HtmlCanvasElement;

    /// Lays out and paints the chart whenever it, or the window's size, changes.
    pub fn on_change(
        chart: Signal<Chart>,
        canvas: NodeRef<leptos::html::Canvas>,
        scene: StoredValue<Scene>,
        reset: impl Fn() + 'static,
    ) {
        let resized = RwSignal::new(0u32);
        let handle =
            window_event_listener(leptos::ev::resize, move |_| resized.update(|n| *n += 1));
        on_cleanup(move || handle.remove());
        Effect::new(move |_| {
            resized.track();
            let spec = chart.get();
            let Some(el) = canvas.get() else { return };
            let width = el
                .parent_element()
                .map(|p| p.client_width())
                .unwrap_or(0)
                .max(240);
            let s = spec.layout(f64::from(width));
            let _ = el.set_attribute("style", &format!("height:{}px", s.height.ceil()));
            if let Err(e) = paint(&el, &s) {
                leptos::logging::warn!("chart: {e}");
                return;
            }
            // Where each mark is, for tests and tooling: [[x, y, href], …].
            let hits: Vec<(i64, i64, String)> = s
                .marks
                .iter()
                .map(|m| {
                    let (x, y) = m.hit.centre();
                    (
                        x.round() as i64,
                        y.round() as i64,
                        m.href.clone().unwrap_or_default(),
                    )
                })
                .collect();
            let _ = el.set_attribute(
                "data-marks",
                &serde_json::to_string(&hits).unwrap_or_default(),
            );
            let _ = el.set_attribute("data-drawn", &s.marks.len().to_string());
            scene.set_value(s);
            reset();
        });
    }

    fn rgb((r, g, b): Rgb) -> RGBColor {
        RGBColor(r, g, b)
    }

    /// Paints `s` on `canvas` at the screen's pixel ratio.
    pub fn paint(canvas: &HtmlCanvasElement, s: &Scene) -> Result<(), String> {
        let dpr = web_sys::window()
            .map(|w| w.device_pixel_ratio())
            .unwrap_or(1.0)
            .max(1.0);
        canvas.set_width((s.width * dpr).round() as u32);
        canvas.set_height((s.height * dpr).round() as u32);
        let p = |(x, y): (f64, f64)| ((x * dpr).round() as i32, (y * dpr).round() as i32);
        let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("no 2d context")?;
        let root = backend.into_drawing_area();
        let err = |e: DrawingAreaErrorKind<_>| e.to_string();
        root.fill(&WHITE).map_err(err)?;
        for shape in &s.shapes {
            match shape {
                Shape::Rect { x, y, w, h, fill } => {
                    root.draw(&Rectangle::new(
                        [p((*x, *y)), p((x + w, y + h))],
                        rgb(*fill).filled(),
                    ))
                    .map_err(err)?;
                }
                Shape::Wedge {
                    cx,
                    cy,
                    r0,
                    r1,
                    a0,
                    a1,
                    fill,
                } => {
                    let steps = (((a1 - a0) / 0.03).ceil() as usize).max(2);
                    let at = |r: f64, a: f64| p((cx + r * a.sin(), cy - r * a.cos()));
                    let outer =
                        (0..=steps).map(|i| at(*r1, a0 + (a1 - a0) * i as f64 / steps as f64));
                    let inner = (0..=steps)
                        .rev()
                        .map(|i| at(*r0, a0 + (a1 - a0) * i as f64 / steps as f64));
                    let ring: Vec<_> = outer.chain(inner).collect();
                    root.draw(&Polygon::new(ring.clone(), rgb(*fill).filled()))
                        .map_err(err)?;
                    // A white edge separates neighbouring slices.
                    root.draw(&PathElement::new(
                        ring,
                        WHITE.stroke_width(dpr.round() as u32),
                    ))
                    .map_err(err)?;
                }
                Shape::Path {
                    points,
                    stroke,
                    width,
                    dashed,
                } => {
                    let pts: Vec<_> = points.iter().map(|q| p(*q)).collect();
                    let style = rgb(*stroke).stroke_width((width * dpr).round().max(1.0) as u32);
                    if *dashed {
                        let (dash, gap) = ((6.0 * dpr) as i32, (4.0 * dpr) as i32);
                        root.draw(&plotters::element::DashedPathElement::new(
                            pts, dash, gap, style,
                        ))
                        .map_err(err)?;
                    } else {
                        root.draw(&PathElement::new(pts, style)).map_err(err)?;
                    }
                }
                Shape::Dot { x, y, r, fill } => {
                    root.draw(&Circle::new(
                        p((*x, *y)),
                        (r * dpr).round() as i32,
                        rgb(*fill).filled(),
                    ))
                    .map_err(err)?;
                }
            }
        }
        for l in &s.labels {
            let h = match l.align {
                Align::Start => HPos::Left,
                Align::Middle => HPos::Center,
                Align::End => HPos::Right,
            };
            let style = ("sans-serif", l.size * dpr)
                .into_font()
                .color(&rgb(l.colour))
                .pos(Pos::new(h, VPos::Center));
            root.draw(&Text::new(l.text.clone(), p((l.x, l.y)), style))
                .map_err(err)?;
        }
        root.present().map_err(err)
    }
}
