# Minimum mutator utilisation: for each window length, the smallest share of
# any window of that length left to the program rather than to collections
# and cascades; one curve per variant, from its median-time run.
# Reads: data (one block per variant: window in seconds, mmu), names,
# colours, dashes (word lists), xmin, xmax.
load plots_dir . "/style.gp"
set logscale x
set format x "%.0s %cs"
set xlabel "window (time, log scale)"
set ylabel "minimum mutator utilisation"
set xrange [xmin:xmax]
set yrange [0:1.02]
set ytics 0, 0.2, 1
plot for [i = 1:words(names)] data index (i - 1) using 1:2 with lines lw 1.5 lc rgb word(colours, i) dt int(word(dashes, i)) title word(names, i)
