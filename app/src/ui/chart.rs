//! Client-side charts: plotters drawing on a `<canvas>` in the browser.
//!
//! The server renders the canvas element empty (plus an exact table beside it), and
//! the chart is drawn in an `Effect` once the canvas is mounted, so SSR never touches a
//! browser API. The backing store is sized to CSS size × devicePixelRatio, so bars and
//! text stay crisp on HiDPI screens. Pixel positions are f64; money is converted to f64
//! only here, for drawing, never for arithmetic.
use crate::domain::aging::Light;
use crate::domain::money::Money;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
/// Bars of (bucket key, traffic light, amount).
pub fn AgingChart(buckets: Vec<(String, Light, Money)>) -> impl IntoView {
    let i18n = use_i18n();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    #[cfg(feature = "hydrate")]
    {
        use crate::domain::aging::CURRENT;
        use crate::ui::format::{bucket_label, is_chinese};
        Effect::new(move |_| {
            let _locale = i18n.get_locale();
            if let Some(el) = canvas.get() {
                let bars: Vec<draw::Bar> = buckets
                    .iter()
                    .map(|(key, light, amount)| draw::Bar {
                        // Day ranges are the same in every language and short enough
                        // to fit a phone; only "current" needs words.
                        label: if key == CURRENT { bucket_label(i18n, key) } else { key.clone() },
                        value: amount.amount().try_into().unwrap_or(0.0),
                        light: *light,
                    })
                    .collect();
                let unit = t_string!(i18n, cockpit.unit).to_string();
                let divisor = if is_chinese(i18n) { 10_000.0 } else { 1_000.0 };
                if let Err(e) = draw::bars(&el, &bars, divisor, &unit) {
                    leptos::logging::warn!("aging chart: {e}");
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &buckets;
    view! {
        <div class="chart-box">
            <canvas
                node_ref=canvas
                class="chart"
                role="img"
                aria-label=move || t_string!(i18n, cockpit.aging_chart_label)
                data-testid="aging-chart"
            ></canvas>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod draw {
    use crate::domain::aging::Light;
    use plotters::prelude::*;
    use plotters_canvas::CanvasBackend;
    use web_sys::HtmlCanvasElement;

    pub struct Bar {
        pub label: String,
        pub value: f64,
        pub light: Light,
    }

    fn colour(light: Light, i: usize) -> RGBColor {
        match (light, i) {
            (Light::Green, _) => RGBColor(22, 163, 74),
            (Light::Amber, 1) => RGBColor(251, 191, 36),
            (Light::Amber, _) => RGBColor(245, 158, 11),
            (Light::Red, 3) => RGBColor(239, 68, 68),
            (Light::Red, _) => RGBColor(153, 27, 27),
        }
    }

    pub fn bars(canvas: &HtmlCanvasElement, bars: &[Bar], divisor: f64, unit: &str) -> Result<(), String> {
        let dpr = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0).max(1.0);
        let css_w = f64::from(canvas.client_width().max(280));
        let css_h = f64::from(canvas.client_height().max(200));
        canvas.set_width((css_w * dpr) as u32);
        canvas.set_height((css_h * dpr) as u32);
        let px = |v: f64| (v * dpr).round() as i32;
        let font = |size: f64| ("sans-serif", size * dpr).into_font();

        let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("no 2d context")?;
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let values: Vec<f64> = bars.iter().map(|b| b.value / divisor).collect();
        let max = values.iter().cloned().fold(0.0f64, f64::max).max(1.0) * 1.12;
        let n = bars.len() as i32;
        // A segmented i32 range a..b has b-a+1 slots, so 0..n-1 gives exactly n bars.
        let mut chart = ChartBuilder::on(&root)
            .margin_top(px(18.0))
            .margin_right(px(12.0))
            .x_label_area_size(px(34.0))
            .y_label_area_size(px(56.0))
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(RGBColor(229, 231, 235))
            .light_line_style(TRANSPARENT)
            .axis_style(RGBColor(156, 163, 175))
            .y_desc(unit)
            .y_labels(6)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => bars.get(*i as usize).map(|b| b.label.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(font(12.0).color(&RGBColor(75, 85, 99)))
            .axis_desc_style(font(12.0).color(&RGBColor(107, 114, 128)))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (bar, value)) in bars.iter().zip(&values).enumerate() {
            chart
                .draw_series(
                    Histogram::vertical(&chart)
                        .style(colour(bar.light, i).filled())
                        .margin(px(14.0) as u32)
                        .data([(i as i32, *value)]),
                )
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())
    }
}
