//! Chart layout, pure: a chart's data and a width in CSS pixels become a `Scene` of
//! shapes, labels and hit regions. The canvas code only paints a scene, and pointer
//! events only look up `Scene::hit`, so what is drawn and what a hover or tap finds
//! come from one computation and cannot drift apart.
//!
//! Invariants (tested below):
//! - every datum with a non-zero value gets exactly one mark, and its hit region lies
//!   inside the scene;
//! - bars never overflow the plot: the value axis ends on a "nice" step at or above the
//!   largest value (or stack, or threshold);
//! - a donut's wedges cover the full turn in the data's proportions;
//! - the layout never panics on empty data, zero totals or negative values (negative
//!   values draw as zero; money is never negative here, but a scene must not lie).
//!
//! Values are f64 because they are pixel positions; exact money travels in `tip`.
// Layout runs in the browser; the server build only compiles it (and tests it).
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

pub type Rgb = (u8, u8, u8);

pub const GREEN: Rgb = (22, 163, 74);
pub const AMBER: Rgb = (245, 158, 11);
pub const ORANGE: Rgb = (234, 88, 12);
pub const RED: Rgb = (220, 38, 38);
pub const BLUE: Rgb = (37, 99, 235);
pub const SKY: Rgb = (125, 170, 245);
pub const TEAL: Rgb = (13, 148, 136);
pub const GREY: Rgb = (156, 163, 175);
const INK: Rgb = (55, 65, 81);
const MUTED: Rgb = (107, 114, 128);
const GRID: Rgb = (229, 231, 235);

/// One drawn value: its size, the words a hover or tap shows, and where a click goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    pub value: f64,
    pub tip: String,
    pub href: Option<String>,
}

/// A vertical category: side-by-side groups, each a stack of coloured segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: String,
    pub groups: Vec<Vec<(Rgb, Datum)>>,
}

/// A percentage line on the right-hand axis, one point per column.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub colour: Rgb,
    pub points: Vec<Option<Datum>>,
    /// A dashed reference line (an alert threshold), in percent.
    pub threshold: Option<(f64, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    pub columns: Vec<Column>,
    pub unit: String,
    pub line: Option<Line>,
    pub legend: Vec<(Rgb, String)>,
}

/// A horizontal category: a label, one or more bars, and a note at the bar's end.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub bars: Vec<(Rgb, Datum)>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub rows: Vec<Row>,
    pub unit: String,
    pub legend: Vec<(Rgb, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Donut {
    pub title: String,
    pub centre: String,
    pub slices: Vec<(Rgb, Datum)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Donuts {
    pub donuts: Vec<Donut>,
    pub legend: Vec<(Rgb, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    Columns(Columns),
    Rows(Rows),
    Donuts(Donuts),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Align {
    Start,
    Middle,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Rgb,
    },
    /// A ring segment; angles in radians, clockwise from twelve o'clock.
    Wedge {
        cx: f64,
        cy: f64,
        r0: f64,
        r1: f64,
        a0: f64,
        a1: f64,
        fill: Rgb,
    },
    Path {
        points: Vec<(f64, f64)>,
        stroke: Rgb,
        width: f64,
        dashed: bool,
    },
    Dot {
        x: f64,
        y: f64,
        r: f64,
        fill: Rgb,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
    pub size: f64,
    pub colour: Rgb,
    pub align: Align,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Hit {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    Wedge {
        cx: f64,
        cy: f64,
        r0: f64,
        r1: f64,
        a0: f64,
        a1: f64,
    },
    Dot {
        x: f64,
        y: f64,
        r: f64,
    },
}

impl Hit {
    pub fn contains(&self, px: f64, py: f64) -> bool {
        match *self {
            Hit::Rect { x, y, w, h } => px >= x && px <= x + w && py >= y && py <= y + h,
            Hit::Dot { x, y, r } => (px - x).powi(2) + (py - y).powi(2) <= r * r,
            Hit::Wedge {
                cx,
                cy,
                r0,
                r1,
                a0,
                a1,
            } => {
                let (dx, dy) = (px - cx, py - cy);
                let d = (dx * dx + dy * dy).sqrt();
                // Clockwise from twelve o'clock, in [0, 2π).
                let a = dx.atan2(-dy).rem_euclid(std::f64::consts::TAU);
                d >= r0 && d <= r1 && a >= a0 && a < a1
            }
        }
    }

    /// A point inside the region (where a test or a keyboard user would "click").
    pub fn centre(&self) -> (f64, f64) {
        match *self {
            Hit::Rect { x, y, w, h } => (x + w / 2.0, y + h / 2.0),
            Hit::Dot { x, y, .. } => (x, y),
            Hit::Wedge {
                cx,
                cy,
                r0,
                r1,
                a0,
                a1,
            } => {
                let (a, r) = ((a0 + a1) / 2.0, (r0 + r1) / 2.0);
                (cx + r * a.sin(), cy - r * a.cos())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub hit: Hit,
    pub tip: String,
    pub href: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<Shape>,
    pub labels: Vec<Label>,
    pub marks: Vec<Mark>,
}

impl Scene {
    /// The index of the topmost mark under a point (dots are drawn last, so they win).
    pub fn hit(&self, x: f64, y: f64) -> Option<usize> {
        self.marks.iter().rposition(|m| m.hit.contains(x, y))
    }

    fn label(
        &mut self,
        x: f64,
        y: f64,
        text: impl Into<String>,
        size: f64,
        colour: Rgb,
        align: Align,
    ) {
        self.labels.push(Label {
            x,
            y,
            text: text.into(),
            size,
            colour,
            align,
        });
    }

    /// Legend chips in a row (wrapping), from `y`; returns the y below them.
    fn legend(&mut self, items: &[(Rgb, String)], x0: f64, y: f64) -> f64 {
        if items.is_empty() {
            return y;
        }
        let (mut x, mut y) = (x0, y);
        for (colour, text) in items {
            let w = 18.0 + text_width(text, 12.0) + 14.0;
            if x + w > self.width - 4.0 && x > x0 {
                x = x0;
                y += 18.0;
            }
            self.shapes.push(Shape::Rect {
                x,
                y: y + 3.0,
                w: 11.0,
                h: 11.0,
                fill: *colour,
            });
            self.label(x + 16.0, y + 9.0, text.clone(), 12.0, INK, Align::Start);
            x += w;
        }
        y + 24.0
    }
}

/// A rough text width: CJK characters are square, Latin ones about half as wide.
/// Only used to avoid overlaps and to truncate, so being approximate is fine.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| {
            if (c as u32) > 0x2E80 {
                size
            } else {
                size * 0.56
            }
        })
        .sum()
}

/// `text` cut to fit `width`, with an ellipsis when cut.
pub fn fit(text: &str, size: f64, width: f64) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&out, size) + text_width(&format!("{c}…"), size) > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The axis top and step for values up to `max`: a 1-2-5 step, about `ticks` of them.
pub fn nice_axis(max: f64, ticks: usize) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / ticks.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

fn axis_text(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn positive(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}

impl Chart {
    pub fn layout(&self, width: f64) -> Scene {
        let width = width.max(240.0);
        match self {
            Chart::Columns(c) => columns(c, width),
            Chart::Rows(r) => rows(r, width),
            Chart::Donuts(d) => donuts(d, width),
        }
    }
}

fn columns(c: &Columns, width: f64) -> Scene {
    let mut s = Scene {
        width,
        ..Default::default()
    };
    // Room under the legend for the unit above the axis.
    let top = (s.legend(&c.legend, 8.0, 4.0) + 10.0).max(22.0);
    let plot_h = if width < 520.0 { 190.0 } else { 230.0 };
    let bars = c.columns.iter().any(|col| !col.groups.is_empty());
    let (left, right) = (48.0, if c.line.is_some() && bars { 44.0 } else { 10.0 });
    let (x0, x1, y0, y1) = (left, width - right, top + plot_h, top);
    s.height = y0 + 30.0;
    let stack_max = c
        .columns
        .iter()
        .flat_map(|col| {
            col.groups
                .iter()
                .map(|g| g.iter().map(|(_, d)| positive(d.value)).sum::<f64>())
        })
        .fold(0.0, f64::max);
    let (vmax, step) = nice_axis(stack_max, 5);
    let y_of = |v: f64| y0 - positive(v) / vmax * (y0 - y1);
    // Grid and the left axis (a line-only chart has its grid on the line's axis).
    let mut v = 0.0;
    while bars && v <= vmax + step / 2.0 {
        let y = y_of(v);
        s.shapes.push(Shape::Path {
            points: vec![(x0, y), (x1, y)],
            stroke: GRID,
            width: 1.0,
            dashed: false,
        });
        s.label(x0 - 6.0, y, axis_text(v), 11.0, MUTED, Align::End);
        v += step;
    }
    if bars {
        s.label(4.0, top - 10.0, c.unit.clone(), 11.0, MUTED, Align::Start);
    }
    let n = c.columns.len().max(1);
    let slot = (x1 - x0) / n as f64;
    // Label every k-th column when they would overlap (12 months on a phone).
    let widest = c
        .columns
        .iter()
        .map(|col| text_width(&col.label, 11.0))
        .fold(0.0, f64::max);
    let every = ((widest + 6.0) / slot).ceil().max(1.0) as usize;
    for (i, col) in c.columns.iter().enumerate() {
        let cx = x0 + slot * (i as f64 + 0.5);
        if i % every == 0 {
            s.label(cx, y0 + 14.0, col.label.clone(), 11.0, INK, Align::Middle);
        }
        let groups = col.groups.len().max(1) as f64;
        let bar_w = (slot * 0.72 / groups).min(56.0);
        let start = cx - bar_w * groups / 2.0;
        for (g, stack) in col.groups.iter().enumerate() {
            let x = start + bar_w * g as f64 + 1.0;
            let mut base = 0.0;
            for (colour, d) in stack {
                let v = positive(d.value);
                if v == 0.0 {
                    continue;
                }
                let (ya, yb) = (y_of(base + v), y_of(base));
                // A sliver of at least 2 px stays visible and tappable.
                let h = (yb - ya).max(2.0);
                s.shapes.push(Shape::Rect {
                    x,
                    y: yb - h,
                    w: bar_w - 2.0,
                    h,
                    fill: *colour,
                });
                s.marks.push(Mark {
                    hit: Hit::Rect {
                        x,
                        y: yb - h,
                        w: bar_w - 2.0,
                        h,
                    },
                    tip: d.tip.clone(),
                    href: d.href.clone(),
                });
                base += v;
            }
        }
    }
    if let Some(line) = &c.line {
        let line_top = line
            .points
            .iter()
            .flatten()
            .map(|d| positive(d.value))
            .chain(line.threshold.as_ref().map(|t| t.0))
            .fold(0.0, f64::max);
        let (lmax, lstep) = nice_axis(line_top.max(10.0), 5);
        let ly = |v: f64| y0 - positive(v).min(lmax) / lmax * (y0 - y1);
        let mut v = 0.0;
        while v <= lmax + lstep / 2.0 {
            if !bars {
                s.shapes.push(Shape::Path {
                    points: vec![(x0, ly(v)), (x1, ly(v))],
                    stroke: GRID,
                    width: 1.0,
                    dashed: false,
                });
                s.label(
                    x0 - 6.0,
                    ly(v),
                    format!("{}%", axis_text(v)),
                    11.0,
                    MUTED,
                    Align::End,
                );
            } else {
                s.label(
                    x1 + 6.0,
                    ly(v),
                    format!("{}%", axis_text(v)),
                    11.0,
                    line.colour,
                    Align::Start,
                );
            }
            v += lstep;
        }
        if let Some((t, text)) = &line.threshold {
            s.shapes.push(Shape::Path {
                points: vec![(x0, ly(*t)), (x1, ly(*t))],
                stroke: RED,
                width: 1.5,
                dashed: true,
            });
            s.label(x1 - 2.0, ly(*t) - 9.0, text.clone(), 11.0, RED, Align::End);
        }
        // Gaps (months without a rate) break the line rather than invent a value.
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut dots = Vec::new();
        for (i, p) in line.points.iter().enumerate() {
            let cx = x0 + slot * (i as f64 + 0.5);
            match p {
                Some(d) => {
                    run.push((cx, ly(d.value)));
                    dots.push((cx, ly(d.value), d));
                }
                None => {
                    let points = std::mem::take(&mut run);
                    if points.len() > 1 {
                        s.shapes.push(Shape::Path {
                            points,
                            stroke: line.colour,
                            width: 2.0,
                            dashed: false,
                        });
                    }
                }
            }
        }
        if run.len() > 1 {
            s.shapes.push(Shape::Path {
                points: run,
                stroke: line.colour,
                width: 2.0,
                dashed: false,
            });
        }
        for (x, y, d) in dots {
            s.shapes.push(Shape::Dot {
                x,
                y,
                r: 3.5,
                fill: line.colour,
            });
            // Touch targets are bigger than the dot.
            s.marks.push(Mark {
                hit: Hit::Dot { x, y, r: 12.0 },
                tip: d.tip.clone(),
                href: d.href.clone(),
            });
        }
    }
    s.shapes.push(Shape::Path {
        points: vec![(x0, y0), (x1, y0)],
        stroke: GREY,
        width: 1.0,
        dashed: false,
    });
    s
}

fn rows(r: &Rows, width: f64) -> Scene {
    let mut s = Scene {
        width,
        ..Default::default()
    };
    let top = s.legend(&r.legend, 8.0, 4.0);
    let label_w = (width * 0.32).clamp(80.0, 180.0);
    let note_w = 64.0;
    let (x0, x1) = (label_w + 8.0, width - note_w);
    let max = r
        .rows
        .iter()
        .flat_map(|row| row.bars.iter().map(|(_, d)| positive(d.value)))
        .fold(0.0, f64::max);
    let (vmax, step) = nice_axis(max, if width < 520.0 { 3 } else { 5 });
    let x_of = |v: f64| x0 + positive(v) / vmax * (x1 - x0);
    let bar_h = 14.0;
    let mut y = top + 6.0;
    let plot_top = y;
    for row in &r.rows {
        let h = bar_h * row.bars.len().max(1) as f64 + 2.0 * (row.bars.len().max(1) - 1) as f64;
        s.label(
            label_w,
            y + h / 2.0,
            fit(&row.label, 12.0, label_w - 4.0),
            12.0,
            INK,
            Align::End,
        );
        let mut by = y;
        let mut end = x0;
        for (colour, d) in &row.bars {
            let w = (x_of(d.value) - x0).max(if positive(d.value) > 0.0 { 2.0 } else { 0.0 });
            if w > 0.0 {
                s.shapes.push(Shape::Rect {
                    x: x0,
                    y: by,
                    w,
                    h: bar_h,
                    fill: *colour,
                });
                // The whole row's width is tappable, not just a short bar.
                s.marks.push(Mark {
                    hit: Hit::Rect {
                        x: x0,
                        y: by,
                        w: (x1 - x0).max(w),
                        h: bar_h,
                    },
                    tip: d.tip.clone(),
                    href: d.href.clone(),
                });
            }
            end = end.max(x0 + w);
            by += bar_h + 2.0;
        }
        s.label(
            end + 6.0,
            y + h / 2.0,
            row.note.clone(),
            11.0,
            MUTED,
            Align::Start,
        );
        y += h + 12.0;
    }
    let plot_bottom = y - 6.0;
    let mut v = 0.0;
    while v <= vmax + step / 2.0 {
        let x = x_of(v);
        s.shapes.insert(
            0,
            Shape::Path {
                points: vec![(x, plot_top - 4.0), (x, plot_bottom)],
                stroke: GRID,
                width: 1.0,
                dashed: false,
            },
        );
        s.label(
            x,
            plot_bottom + 10.0,
            axis_text(v),
            11.0,
            MUTED,
            Align::Middle,
        );
        v += step;
    }
    s.label(
        x1,
        plot_bottom + 26.0,
        r.unit.clone(),
        11.0,
        MUTED,
        Align::End,
    );
    s.height = plot_bottom + 38.0;
    s
}

fn donuts(d: &Donuts, width: f64) -> Scene {
    let mut s = Scene {
        width,
        ..Default::default()
    };
    let n = d.donuts.len().max(1);
    let side_by_side = width >= 200.0 * n as f64;
    let cell_w = if side_by_side {
        width / n as f64
    } else {
        width
    };
    let r1 = (cell_w.min(260.0) / 2.0 - 14.0).max(60.0);
    let r0 = r1 * 0.58;
    let cell_h = 2.0 * r1 + 34.0;
    for (i, donut) in d.donuts.iter().enumerate() {
        let (cx, top) = if side_by_side {
            (cell_w * (i as f64 + 0.5), 0.0)
        } else {
            (width / 2.0, cell_h * i as f64)
        };
        let cy = top + 24.0 + r1;
        s.label(
            cx,
            top + 10.0,
            donut.title.clone(),
            13.0,
            INK,
            Align::Middle,
        );
        s.label(cx, cy, donut.centre.clone(), 13.0, INK, Align::Middle);
        let total: f64 = donut.slices.iter().map(|(_, x)| positive(x.value)).sum();
        if total <= 0.0 {
            s.shapes.push(Shape::Wedge {
                cx,
                cy,
                r0,
                r1,
                a0: 0.0,
                a1: std::f64::consts::TAU,
                fill: GRID,
            });
            continue;
        }
        let mut a = 0.0;
        for (colour, x) in &donut.slices {
            let v = positive(x.value);
            if v == 0.0 {
                continue;
            }
            let a1 = a + v / total * std::f64::consts::TAU;
            s.shapes.push(Shape::Wedge {
                cx,
                cy,
                r0,
                r1,
                a0: a,
                a1,
                fill: *colour,
            });
            s.marks.push(Mark {
                hit: Hit::Wedge {
                    cx,
                    cy,
                    r0,
                    r1,
                    a0: a,
                    a1,
                },
                tip: x.tip.clone(),
                href: x.href.clone(),
            });
            a = a1;
        }
    }
    let bottom = if side_by_side {
        cell_h
    } else {
        cell_h * n as f64
    };
    s.height = s.legend(&d.legend, 8.0, bottom + 4.0);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn datum(v: f64, href: &str) -> Datum {
        Datum {
            value: v,
            tip: format!("tip {v}"),
            href: Some(href.into()),
        }
    }

    fn href_at(s: &Scene, x: f64, y: f64) -> Option<&str> {
        s.hit(x, y).and_then(|i| s.marks[i].href.as_deref())
    }

    fn inside(s: &Scene, m: &Mark) -> bool {
        let (x, y) = m.hit.centre();
        x >= 0.0 && x <= s.width && y >= 0.0 && y <= s.height
    }

    #[test]
    fn nice_axis_covers_the_max_on_a_round_step() {
        assert_eq!(nice_axis(0.0, 5), (1.0, 0.2));
        assert_eq!(nice_axis(97.0, 5), (100.0, 20.0));
        assert_eq!(nice_axis(101.0, 5), (125.0, 25.0));
        assert_eq!(nice_axis(1234.0, 4), (1500.0, 500.0));
        assert_eq!(nice_axis(f64::NAN, 5), (1.0, 0.2));
    }

    #[test]
    fn fit_truncates_with_an_ellipsis() {
        assert_eq!(fit("short", 12.0, 200.0), "short");
        let cut = fit("华东工程机械有限公司", 12.0, 60.0);
        assert!(
            cut.ends_with('…') && text_width(&cut, 12.0) <= 60.0,
            "{cut}"
        );
    }

    #[test]
    fn a_click_on_a_stacked_segment_finds_that_segment() {
        let chart = Chart::Columns(Columns {
            columns: vec![
                Column {
                    label: "current".into(),
                    groups: vec![vec![(GREEN, datum(50.0, "/a")), (SKY, datum(30.0, "/b"))]],
                },
                Column {
                    label: "1-30".into(),
                    groups: vec![vec![
                        (AMBER, datum(0.0, "/zero")),
                        (AMBER, datum(10.0, "/c")),
                    ]],
                },
            ],
            unit: "k".into(),
            line: None,
            legend: vec![],
        });
        let s = chart.layout(600.0);
        assert_eq!(s.marks.len(), 3, "a zero segment has no mark");
        for (m, href) in s.marks.iter().zip(["/a", "/b", "/c"]) {
            let (x, y) = m.hit.centre();
            assert_eq!(href_at(&s, x, y), Some(href));
        }
        // Segment /b sits on top of /a.
        let (Hit::Rect { y: ya, .. }, Hit::Rect { y: yb, h: hb, .. }) =
            (&s.marks[0].hit, &s.marks[1].hit)
        else {
            panic!()
        };
        assert!((yb + hb - ya).abs() < 1e-9);
    }

    #[test]
    fn a_line_breaks_at_missing_points_and_its_dots_are_hit_first() {
        let chart = Chart::Columns(Columns {
            columns: (0..4)
                .map(|i| Column {
                    label: format!("m{i}"),
                    groups: vec![vec![(RED, datum(5.0, "/bar"))]],
                })
                .collect(),
            unit: String::new(),
            line: Some(Line {
                colour: BLUE,
                points: vec![
                    Some(datum(90.0, "/p0")),
                    None,
                    Some(datum(70.0, "/p2")),
                    Some(datum(75.0, "/p3")),
                ],
                threshold: Some((80.0, "80%".into())),
            }),
            legend: vec![(RED, "overdue".into()), (BLUE, "rate".into())],
        });
        let s = chart.layout(320.0);
        let solid: Vec<_> = s
            .shapes
            .iter()
            .filter(|sh| matches!(sh, Shape::Path { stroke, dashed: false, .. } if *stroke == BLUE))
            .collect();
        assert_eq!(solid.len(), 1, "one run p2-p3; p0 alone is only a dot");
        assert!(s
            .shapes
            .iter()
            .any(|sh| matches!(sh, Shape::Path { dashed: true, .. })));
        let dot = s
            .marks
            .iter()
            .find(|m| m.href.as_deref() == Some("/p2"))
            .unwrap();
        let (x, y) = dot.hit.centre();
        assert_eq!(href_at(&s, x, y), Some("/p2"));
    }

    #[test]
    fn donut_wedges_split_the_turn_in_proportion() {
        let chart = Chart::Donuts(Donuts {
            donuts: vec![Donut {
                title: "count".into(),
                centre: "4".into(),
                slices: vec![(GREEN, datum(1.0, "/a")), (RED, datum(3.0, "/d"))],
            }],
            legend: vec![(GREEN, "A".into()), (RED, "D".into())],
        });
        let s = chart.layout(390.0);
        let Hit::Wedge { a0, a1, .. } = s.marks[0].hit else {
            panic!()
        };
        assert!((a1 - a0 - std::f64::consts::FRAC_PI_2).abs() < 1e-9);
        let Hit::Wedge { a1: end, .. } = s.marks[1].hit else {
            panic!()
        };
        assert!((end - std::f64::consts::TAU).abs() < 1e-9);
        for m in &s.marks {
            let (x, y) = m.hit.centre();
            assert_eq!(href_at(&s, x, y), m.href.as_deref());
        }
        // The hole in the middle is not a slice.
        let Hit::Wedge { cx, cy, .. } = s.marks[0].hit else {
            panic!()
        };
        assert!(s.hit(cx, cy).is_none());
    }

    proptest! {
        #[test]
        fn every_nonzero_datum_gets_one_mark_inside_the_scene(
            values in proptest::collection::vec(0u32..1_000_000, 0..14),
            width in 240.0f64..1400.0,
        ) {
            let d = |v: &u32| datum(f64::from(*v), "/x");
            let nonzero = values.iter().filter(|v| **v > 0).count();
            let charts = [
                Chart::Columns(Columns { columns: values.iter().map(|v| Column { label: "2026-01".into(), groups: vec![vec![(RED, d(v))]] }).collect(), unit: "k".into(), line: None, legend: vec![] }),
                Chart::Rows(Rows { rows: values.iter().map(|v| Row { label: "客户名称很长的一家公司".into(), bars: vec![(RED, d(v))], note: "90d".into() }).collect(), unit: "k".into(), legend: vec![] }),
                Chart::Donuts(Donuts { donuts: vec![Donut { title: "t".into(), centre: "c".into(), slices: values.iter().map(|v| (RED, d(v))).collect() }], legend: vec![] }),
            ];
            for chart in charts {
                let s = chart.layout(width);
                prop_assert_eq!(s.marks.len(), nonzero);
                for m in &s.marks {
                    prop_assert!(inside(&s, m), "{:?} outside {}x{}", m.hit, s.width, s.height);
                }
                for sh in &s.shapes {
                    if let Shape::Rect { y, h, .. } = sh {
                        prop_assert!(*y >= 0.0 && y + h <= s.height + 1e-9);
                    }
                }
            }
        }
    }
}
