//! The seller center's plots, rendered on the server as SVG with `plotters` (its SVG
//! backend): the daily store cancellation rate against the vacation threshold with the
//! vacation days shaded, and the first-scan lead time with and without backdating.
//! Pure: plain series and the words to write in, an SVG string out; `service::plots`
//! fills the series, and the caller chooses the words (English for the API, the
//! page's language in the seller center).
//!
//! The x axis is the day's index in the range (day i spans [i, i + 1)), labelled with
//! the dates as `MM-DD`, so shaded vacation days line up with the points drawn at their
//! middle.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

const SIZE: (u32, u32) = (800, 360);

/// One day of the cancellation-rate plot.
#[derive(Clone, Debug, PartialEq)]
pub struct RateDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub rate: f64,
    pub in_vacation: bool,
}

/// One day of the lead-time plot; `None` where no parcel went online.
#[derive(Clone, Debug, PartialEq)]
pub struct LeadDay {
    pub date: String,
    pub with_backdating_h: Option<f64>,
    pub without_backdating_h: Option<f64>,
}

/// The words written on the plots.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotWords {
    pub rate_caption: String,
    pub vacation: String,
    /// Written before the threshold as a percentage.
    pub threshold: String,
    pub daily_rate: String,
    pub lead_caption: String,
    pub without_backdating: String,
    pub with_backdating: String,
}

impl PlotWords {
    /// The API's words.
    pub fn english() -> Self {
        PlotWords {
            rate_caption: "Store cancellation rate (buyer + late intake)".into(),
            vacation: "vacation mode".into(),
            threshold: "threshold".into(),
            daily_rate: "daily rate".into(),
            lead_caption: "Median first-scan lead time (hours after RTS)".into(),
            without_backdating: "without backdating (intake)".into(),
            with_backdating: "with backdating (bag pickup)".into(),
        }
    }
}

fn short(date: &str) -> String {
    date.get(5..).unwrap_or(date).to_owned()
}

fn label_for(dates: &[String], x: f64) -> String {
    let i = x.floor();
    if i < 0.0 {
        return String::new();
    }
    dates.get(i as usize).map(|d| short(d)).unwrap_or_default()
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// One chart over the days of `dates` (x from 0 to the day count, y from 0 to `top`):
/// the frame, the axes and the legend; `draw` adds the series.
fn render(
    caption: &str,
    dates: &[String],
    top: f64,
    y_label: &dyn Fn(&f64) -> String,
    draw: impl FnOnce(&mut Chart<'_, '_>, f64) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = dates.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(0.0..n, 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(10)
            .x_label_formatter(&|x| label_for(dates, *x))
            .y_label_formatter(y_label)
            .draw()
            .map_err(err)?;
        draw(&mut chart, n)?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The cancellation rate (a fraction) of each day against `threshold`.
pub fn render_cancellation_rate(
    days: &[RateDay],
    threshold: f64,
    words: &PlotWords,
) -> Result<String, String> {
    let top = days
        .iter()
        .map(|d| d.rate)
        .fold(threshold * 1.5, f64::max)
        .clamp(0.05, 1.0);
    let dates: Vec<String> = days.iter().map(|d| d.date.clone()).collect();
    render(
        &words.rate_caption,
        &dates,
        top,
        &|y| format!("{:.0}%", y * 100.0),
        |chart, n| {
            let shade = RGBColor(255, 170, 60).mix(0.3);
            chart
                .draw_series(days.iter().enumerate().filter(|(_, d)| d.in_vacation).map(
                    |(i, _)| {
                        Rectangle::new([(i as f64, 0.0), (i as f64 + 1.0, top)], shade.filled())
                    },
                ))
                .map_err(err)?
                .label(words.vacation.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 16, y + 5)], shade.filled())
                });
            chart
                .draw_series(LineSeries::new(
                    [(0.0, threshold), (n, threshold)],
                    RED.stroke_width(2),
                ))
                .map_err(err)?
                .label(format!("{} {:.0}%", words.threshold, threshold * 100.0))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.stroke_width(2)));
            chart
                .draw_series(LineSeries::new(
                    days.iter()
                        .enumerate()
                        .map(|(i, d)| (i as f64 + 0.5, d.rate)),
                    BLUE.stroke_width(2),
                ))
                .map_err(err)?
                .label(words.daily_rate.as_str())
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(2)));
            Ok(())
        },
    )
}

/// Median hours from RTS to the first scan, with backdating and without (the intake).
pub fn render_first_scan_lead_time(days: &[LeadDay], words: &PlotWords) -> Result<String, String> {
    let top = days
        .iter()
        .flat_map(|d| [d.with_backdating_h, d.without_backdating_h])
        .flatten()
        .fold(24.0, f64::max)
        * 1.1;
    let dates: Vec<String> = days.iter().map(|d| d.date.clone()).collect();
    let series = |pick: fn(&LeadDay) -> Option<f64>| -> Vec<(f64, f64)> {
        days.iter()
            .enumerate()
            .filter_map(|(i, d)| pick(d).map(|h| (i as f64 + 0.5, h)))
            .collect()
    };
    render(
        &words.lead_caption,
        &dates,
        top,
        &|y| format!("{y:.0} h"),
        |chart, _| {
            for (points, colour, label) in [
                (
                    series(|d| d.without_backdating_h),
                    RGBColor(140, 140, 140),
                    words.without_backdating.as_str(),
                ),
                (
                    series(|d| d.with_backdating_h),
                    GREEN,
                    words.with_backdating.as_str(),
                ),
            ] {
                chart
                    .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                    .map_err(err)?
                    .label(label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                    });
            }
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_plot_is_an_svg_with_the_threshold_and_shading() {
        let days: Vec<RateDay> = (1..=30)
            .map(|d| RateDay {
                date: format!("2028-02-{:02}", d.min(29)),
                rate: f64::from(d) / 60.0,
                in_vacation: (22..=28).contains(&d),
            })
            .collect();
        let svg = render_cancellation_rate(&days, 0.3, &PlotWords::english()).expect("svg");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.contains("threshold 30%"));
        assert!(svg.contains("vacation mode"));
        assert!(svg.contains("<polyline"));
    }

    #[test]
    fn the_lead_time_plot_draws_both_lines() {
        let days = vec![
            LeadDay {
                date: "2028-02-01".into(),
                with_backdating_h: Some(3.0),
                without_backdating_h: Some(30.0),
            },
            LeadDay {
                date: "2028-02-02".into(),
                with_backdating_h: None,
                without_backdating_h: None,
            },
            LeadDay {
                date: "2028-02-03".into(),
                with_backdating_h: Some(5.0),
                without_backdating_h: Some(26.0),
            },
        ];
        let svg = render_first_scan_lead_time(&days, &PlotWords::english()).expect("svg");
        assert!(svg.contains("with backdating"));
        assert!(svg.contains("without backdating"));
    }
}
