//! Charts as inline SVG, drawn on the server: the console loads nothing and runs no script.
//! Each chart is an image with a text alternative (`role="img"`, a `<title>` and the figures in
//! words), so a screen reader hears what a sighted person sees.

use maud::{html, Markup};

/// Width and height of a chart's drawing area, in SVG units (it scales to its container).
const WIDTH: u32 = 600;
const HEIGHT: u32 = 120;

/// A bar per day: `values` oldest first, `labels` the matching dates. `title` names the chart.
pub fn daily_bars(title: &str, labels: &[String], values: &[u64]) -> Markup {
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let count = u32::try_from(values.len()).unwrap_or(u32::MAX).max(1);
    let slot = WIDTH / count;
    let bar = slot.saturating_sub(2).max(1);
    let total: u64 = values.iter().sum();
    let busiest = values.iter().zip(labels).max_by_key(|(v, _)| **v).filter(|(v, _)| **v > 0);
    let summary = match busiest {
        Some((most, day)) => format!("{title}: {total} uses over {} days, most on {day} ({most})", values.len()),
        None => format!("{title}: no uses over {} days", values.len()),
    };
    html! {
        svg.chart viewBox={"0 0 " (WIDTH) " " (HEIGHT)} role="img" aria-label=(summary) preserveAspectRatio="none" {
            title { (summary) }
            line x1="0" y1=(HEIGHT) x2=(WIDTH) y2=(HEIGHT) stroke="#9ca3af" stroke-width="1" {}
            @for (i, (value, label)) in values.iter().zip(labels).enumerate() {
                @let height = u32::try_from(u64::from(HEIGHT) * value / max).unwrap_or(HEIGHT);
                @let x = u32::try_from(i).unwrap_or(0) * slot + 1;
                rect x=(x) y=(HEIGHT - height) width=(bar) height=(height) fill="#1d4ed8" {
                    title { (label) ": " (value) }
                }
            }
        }
        // The axis's dates as text beside the drawing, which stretches to the page's width.
        p.axis aria-hidden="true" {
            span { (labels.first().map(String::as_str).unwrap_or("")) }
            span { (labels.last().map(String::as_str).unwrap_or("")) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_as_tall_as_their_share_of_the_busiest_day_and_described_in_words() {
        let labels: Vec<String> = ["2026-12-01", "2026-12-02", "2026-12-03"].map(String::from).to_vec();
        let svg = daily_bars("pdf", &labels, &[2, 0, 4]).into_string();
        assert!(svg.contains(r#"aria-label="pdf: 6 uses over 3 days, most on 2026-12-03 (4)""#), "{svg}");
        assert!(svg.contains(r#"<rect x="1" y="60" width="198" height="60""#), "{svg}");
        assert!(svg.contains(r#"<rect x="401" y="0" width="198" height="120""#), "{svg}");
        assert!(svg.contains("<title>2026-12-02: 0</title>"));
        let empty = daily_bars("<x>", &labels, &[0, 0, 0]).into_string();
        assert!(empty.contains("&lt;x&gt;: no uses over 3 days"), "escaped: {empty}");
    }
}
