# Time per variant: the median wall time of the harness's runs as a bar, with
# the fastest and slowest run as an error bar; when hyperfine timed the same
# configuration, its whole-process median (min-max) stands beside it, paler.
# Reads: data (x, variant, median, min, max, colour, hyperfine median, min,
# max; ms), count, ymax, hyperfine (1 or 0).
load plots_dir . "/style.gp"
set key below horizontal center
set ylabel "wall time (ms)"
set xrange [0.4:count + 0.6]
set yrange [0:ymax]
set xtics rotate by -35 left scale 0
set boxwidth (hyperfine ? 0.38 : 0.7)
shift = hyperfine ? 0.2 : 0
cap = 0.06
# Each min-max range is three strokes (an error bar would mark its middle).
plot data using ($1 - shift):3:6 with boxes lc rgb variable notitle, \
     "" using ($1 - shift):4:(0):($5 - $4) with vectors nohead lc rgb "#222222" notitle, \
     "" using ($1 - shift - cap):4:(2 * cap):(0) with vectors nohead lc rgb "#222222" notitle, \
     "" using ($1 - shift - cap):5:(2 * cap):(0) with vectors nohead lc rgb "#222222" notitle, \
     "" using 1:(ymax * 2):xtic(2) with points ps 0 notitle, \
     NaN with boxes fs solid 0.9 lc rgb "#777777" title "harness: median, min-max", \
     for [h = 1:hyperfine] data using ($1 + shift):7:6 with boxes fs solid 0.35 lc rgb variable notitle, \
     for [h = 1:hyperfine] "" using ($1 + shift):8:(0):($9 - $8) with vectors nohead lc rgb "#222222" notitle, \
     for [h = 1:hyperfine] "" using ($1 + shift - cap):8:(2 * cap):(0) with vectors nohead lc rgb "#222222" notitle, \
     for [h = 1:hyperfine] "" using ($1 + shift - cap):9:(2 * cap):(0) with vectors nohead lc rgb "#222222" notitle, \
     for [h = 1:hyperfine] NaN with boxes fs solid 0.35 lc rgb "#777777" title "hyperfine (whole process): median, min-max"
