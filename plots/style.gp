# The look every heaplab plot shares. The caller has set the terminal and
# the output; the plot scripts load this first, then draw from `data`
# (tab-separated, written by plots/prepare.awk). The heading, `plot_caption`
# over `plot_config`, is centred on the whole canvas (a title is centred on
# the plot area, which a key outside would push off the edge).
set encoding utf8
set micro
set datafile separator "\t"
unset title
set label 100 plot_caption . "\n" . plot_config at screen 0.5, screen 0.965 center font ",11"
set tmargin 4.5
set border 3 lc rgb "#444444"
set tics nomirror out
set grid ytics lt 1 lc rgb "#e4e4e4" lw 1
set key outside right top vertical Left reverse noautotitle samplen 2.5 spacing 1 font ",8" maxrows 40
set style fill solid 0.9 border lc rgb "#333333"
