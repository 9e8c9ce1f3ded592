# Time against heap size: tracing variants run under a heap limit at
# multiples of their smallest workable heap (the page's caption gives it);
# the median wall time (top) and number of collections (bottom) at each
# multiple, one line per variant.
# Reads: data (one block per variant: multiplier, wall ms, collections),
# names, colours, dashes (word lists), xmin, xmax, wall_max, collections_max.
load plots_dir . "/style.gp"
set multiplot
unset key
set lmargin at screen 0.14
set rmargin at screen 0.65
set xrange [xmin * 0.95:xmax * 1.05]
set format x "%gx"
set xlabel ""
set tmargin at screen 0.87
set bmargin at screen 0.53
set ylabel "wall time (ms)"
set yrange [0:wall_max]
plot for [i = 1:words(names)] data index (i - 1) using 1:2 with linespoints lw 1.5 pt 7 ps 0.8 \
     lc rgb word(colours, i) dt int(word(dashes, i))
unset label 100
set tmargin at screen 0.46
set bmargin at screen 0.12
set xlabel "heap limit (multiple of the smallest heap the run completes in)"
set ylabel "collections"
set yrange [0:collections_max]
plot for [i = 1:words(names)] data index (i - 1) using 1:3 with linespoints lw 1.5 pt 7 ps 0.8 \
     lc rgb word(colours, i) dt int(word(dashes, i))
key_style = "linespoints"
key_titles = names
load plots_dir . "/side-key.gp"
unset multiplot
