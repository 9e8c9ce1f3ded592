# The ratio of two result sets' medians, B/A, for every configuration both
# ran, with its 95% confidence interval as an error bar, on a log scale with
# a line at 1: what `./heaplab compare` draws (compare.png, compare.svg).
#
#   gnuplot -c plots/compare.gp DATA OUTPUT METRIC ROWS NAME_A NAME_B
#
# DATA: tab-separated lines of label, ratio, interval low, interval high and
# colour (0xRRGGBB: red where the interval is above 1, green below, grey
# across), as bench/compare.c writes them. OUTPUT: the path without its
# extension; OUTPUT.png and OUTPUT.svg are written. ROWS: the lines in DATA.

data = ARG1
output = ARG2
metric = ARG3
rows = int(ARG4)
name_a = ARG5
name_b = ARG6

# A column per configuration, wide enough for its label.
width = 200 + 14 * rows
width = width < 640 ? 640 : width > 30000 ? 30000 : width
height = 640

set datafile separator "\t"
set logscale y
# Autoscaled to the intervals, always showing the line at 1; tics close
# enough to read off a few percent when the ratios are near 1.
low = 0.95
high = 1.05
if (rows > 0) {
  stats data using 3 nooutput
  low = STATS_min < low ? STATS_min : low
  stats data using 4 nooutput
  high = STATS_max > high ? STATS_max : high
}
set autoscale yfix
set offsets 0, 0, graph 0.05, graph 0.05
set yrange [*<low:high<*]
decades = log10(high / low)
if (decades < 0.3) {
  set ytics (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1, 1.05, 1.1, 1.15, 1.2, 1.3, 1.4, 1.5, 1.75, 2)
} else {
  if (decades < 1) {
    set ytics (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 10)
  } else {
    if (decades < 3) {
      set ytics (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
    }
  }
}
set format y "%g"
set xrange [-1:(rows > 0 ? rows : 1)]
set border 3 linecolor rgb "#444444"
set tics nomirror out
set xtics rotate by 90 right font ",8"
set grid ytics linetype 1 linecolor rgb "#e4e4e4" linewidth 1
set key off
set title sprintf("%s: median of B / median of A, with 95%% bootstrap intervals\nA: %s    B: %s", metric, name_a, name_b) noenhanced
set ylabel sprintf("%s ratio, B/A (log scale)", metric) noenhanced
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linecolor rgb "black"
set bars small

do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size width, height font ",10" noenhanced
  } else {
    set terminal svg size width, height font ",10" noenhanced
  }
  set output output . "." . format
  if (rows > 0) {
    plot data using 0:2:3:4:5:xticlabels(1) with yerrorbars pointtype 7 pointsize 0.6 linecolor rgb variable
  } else {
    set label 1 "no configuration is in both result sets" at graph 0.5, graph 0.6 center
    unset xtics
    plot 1 with lines dashtype 2 linecolor rgb "black"
  }
  unset output
}
