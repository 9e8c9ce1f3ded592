# Leaked bytes per variant: what a run never reclaimed, even after a final
# full collection with no roots (pure reference counting leaks its cycles).
# The median over the variant's successful runs, its value written above.
# Reads: data (x, variant, bytes, colour, label), count, ymax (0: none
# leaked), unit and divisor (the y axis's unit: B, KiB, MiB...).
load plots_dir . "/style.gp"
set ylabel "leaked (" . unit . ")"
set xrange [0.4:count + 0.6]
if (ymax > 0) { set yrange [0:ymax / divisor] } else { set yrange [0:1]; set ytics ("0" 0) }
set xtics rotate by -35 left scale 0
set boxwidth 0.7
plot data using 1:($3 / divisor):4 with boxes lc rgb variable notitle, \
     "" using 1:($3 / divisor):5 with labels offset 0, 0.7 font ",9" notitle, \
     "" using 1:(-1):xtic(2) with points ps 0 notitle
