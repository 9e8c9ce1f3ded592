# Memory curves: live bytes (top) and the allocator's footprint (bottom)
# against the allocation clock, one line per variant, each from the run whose
# wall time was the variant's median; the key is a third panel at the right.
# Reads: data (one block per variant: bytes allocated, live, footprint),
# names, colours, dashes (word lists), xmax, live_max, footprint_max, and the
# unit each axis is drawn in: x_unit, x_divisor, live_unit, live_divisor,
# footprint_unit, footprint_divisor.
load plots_dir . "/style.gp"
set multiplot
unset key
set lmargin at screen 0.14
set rmargin at screen 0.65
set xrange [0:xmax / x_divisor]
set xlabel ""
set tmargin at screen 0.87
set bmargin at screen 0.53
set ylabel "live (" . live_unit . ")"
set yrange [0:live_max / live_divisor]
plot for [i = 1:words(names)] data index (i - 1) using ($1 / x_divisor):($2 / live_divisor) \
     with lines lw 1.5 lc rgb word(colours, i) dt int(word(dashes, i))
unset label 100
set tmargin at screen 0.46
set bmargin at screen 0.12
set xlabel "allocated so far (" . x_unit . ": the allocation clock)"
set ylabel "footprint (" . footprint_unit . ")"
set yrange [0:footprint_max / footprint_divisor]
plot for [i = 1:words(names)] data index (i - 1) using ($1 / x_divisor):($3 / footprint_divisor) \
     with lines lw 1.5 lc rgb word(colours, i) dt int(word(dashes, i))
key_style = "lines"
key_titles = names
load plots_dir . "/side-key.gp"
unset multiplot
