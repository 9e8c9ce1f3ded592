# Pause percentiles per variant (log scale): p50, p90, p99, p99.9 and the
# longest pause, each the median over the variant's successful runs. A pause
# is a collection or a reference-count cascade that freed more than one object.
# Reads: data (one block per variant: percentile 1..5, seconds), names,
# colours, dashes (word lists), ymin, ymax.
load plots_dir . "/style.gp"
set logscale y
set format y "%.0s %cs"
set ylabel "pause length (log scale)"
set xlabel "percentile of a run's pauses (median over the runs)"
set xrange [0.7:5.3]
set yrange [ymin:ymax]
set xtics ("p50" 1, "p90" 2, "p99" 3, "p99.9" 4, "max" 5)
plot for [i = 1:words(names)] data index (i - 1) using 1:2 with linespoints lw 1.5 pt 7 ps 0.9 lc rgb word(colours, i) dt int(word(dashes, i)) title word(names, i)
