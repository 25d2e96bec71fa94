package lab

import (
	"fmt"
	"html"
	"io"
	"strings"
	"time"
)

// Sample is one point of a UPS's state for the plot.
type Sample struct {
	At       time.Duration
	Charge   int    // %
	Load     int    // %
	Runtime  int    // s
	Status   string // ups.status as the driver reports it
	OutputOn bool
}

// Series is the sampled state of one UPS.
type Series struct {
	UPS     string
	Samples []Sample
}

// PlotSVG draws charge, load, runtime and status of each UPS against time,
// with the timeline's notable events (notifications, timers fired,
// commands, FSD, shutdown, output off/on) as marked vertical lines, on one
// time axis. The SVG is self-contained and needs no script.
func PlotSVG(w io.Writer, title string, series []Series, events []Event) error {
	const (
		width   = 1100
		left    = 70
		right   = 70
		top     = 78
		panelH  = 220
		bandH   = 14
		gap     = 40
		eventsH = 150
	)
	var end time.Duration
	for _, s := range series {
		if n := len(s.Samples); n > 0 && s.Samples[n-1].At > end {
			end = s.Samples[n-1].At
		}
	}
	for _, e := range events {
		if e.At > end {
			end = e.At
		}
	}
	if end <= 0 {
		end = time.Second
	}
	plotW := float64(width - left - right)
	x := func(d time.Duration) float64 { return left + plotW*float64(d)/float64(end) }
	height := top + len(series)*(panelH+bandH+gap) + eventsH + 40

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", left, html.EscapeString(title))

	y0 := top
	for _, s := range series {
		maxRT := 1
		for _, p := range s.Samples {
			if p.Runtime > maxRT {
				maxRT = p.Runtime
			}
		}
		yPct := func(v int) float64 { return float64(y0) + float64(panelH)*(1-float64(v)/100) }
		yRT := func(v int) float64 { return float64(y0) + float64(panelH)*(1-float64(v)/float64(maxRT)) }
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", left, y0-8, html.EscapeString(s.UPS))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.0f" height="%d" fill="none" stroke="#999"/>`+"\n", left, y0, plotW, panelH)
		for _, pct := range []int{0, 25, 50, 75, 100} {
			fmt.Fprintf(&b, `<line x1="%d" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f" text-anchor="end">%d%%</text>`+"\n",
				left, float64(left)+plotW, yPct(pct), yPct(pct), left-6, yPct(pct)+4, pct)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="start" fill="#7b3294">%ds</text>`+"\n", float64(left)+plotW+6, y0+10, maxRT)
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="start" fill="#7b3294">0s</text>`+"\n", float64(left)+plotW+6, y0+panelH)
		line := func(color string, f func(Sample) float64) {
			var pts []string
			for _, p := range s.Samples {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.At), f(p)))
			}
			if len(pts) > 0 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/>`+"\n", color, strings.Join(pts, " "))
			}
		}
		line("#1a9641", func(p Sample) float64 { return yPct(p.Charge) })
		line("#2c7bb6", func(p Sample) float64 { return yPct(p.Load) })
		line("#7b3294", func(p Sample) float64 { return yRT(p.Runtime) })
		// Status band under the panel.
		by := y0 + panelH + 4
		for i, p := range s.Samples {
			next := end
			if i+1 < len(s.Samples) {
				next = s.Samples[i+1].At
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.2f" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
				x(p.At), by, x(next)-x(p.At), bandH, statusColor(p), html.EscapeString(p.Status))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">status</text>`+"\n", left-6, by+11)
		y0 += panelH + bandH + gap
	}
	// Legend.
	lx := left
	for _, l := range []struct{ color, name string }{{"#1a9641", "charge %"}, {"#2c7bb6", "load %"}, {"#7b3294", "runtime (right scale)"}, {"#4daf4a", "OL"}, {"#ff7f00", "OB"}, {"#e41a1c", "LB"}, {"#777", "output off"}} {
		fmt.Fprintf(&b, `<rect x="%d" y="36" width="10" height="10" fill="%s"/><text x="%d" y="45">%s</text>`+"\n", lx, l.color, lx+14, l.name)
		lx += 14 + 7*len(l.name) + 18
	}
	// Events.
	ey := y0
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">events</text>`+"\n", left, ey-8)
	row := 0
	for _, e := range events {
		label, color := eventLabel(e)
		if label == "" {
			continue
		}
		ex := x(e.At)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-dasharray="3,3" opacity="0.5"/>`+"\n", ex, ex, top, ey+eventsH-20, color)
		ty := ey + 12 + (row%10)*13
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="%s">%s<title>%s</title></text>`+"\n", ex+2, ty, color, html.EscapeString(label), html.EscapeString(e.String()))
		row++
	}
	// Time axis.
	ay := ey + eventsH
	fmt.Fprintf(&b, `<line x1="%d" x2="%.0f" y1="%d" y2="%d" stroke="#333"/>`+"\n", left, float64(left)+plotW, ay, ay)
	for i := 0; i <= 10; i++ {
		t := end * time.Duration(i) / 10
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#333"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
			x(t), x(t), ay, ay+5, x(t), ay+18, FormatAt(t.Round(time.Second)))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func statusColor(p Sample) string {
	switch {
	case !p.OutputOn:
		return "#777"
	case strings.Contains(p.Status, "LB"):
		return "#e41a1c"
	case strings.Contains(p.Status, "OB"):
		return "#ff7f00"
	case strings.Contains(p.Status, "OL"):
		return "#4daf4a"
	}
	return "#ccc"
}

func eventLabel(e Event) (string, string) {
	switch e.Kind {
	case KindNotify:
		return e.Type, "#d95f02"
	case KindTimerFire:
		return "timer " + e.Type, "#7570b3"
	case KindCmdScript:
		return "run " + e.Type, "#7570b3"
	case KindFSD:
		return "FSD", "#e41a1c"
	case KindShutdown:
		return "SHUTDOWNCMD", "#e41a1c"
	case KindOutputOff:
		return "output off", "#555"
	case KindOutputOn:
		return "output on", "#1b9e77"
	}
	return "", ""
}
