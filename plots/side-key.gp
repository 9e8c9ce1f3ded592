# The key of a two-panel plot as a panel of its own at the right, tall
# enough for every variant (a key inside one panel would wrap or be cut).
# Reads: key_titles, colours, dashes (word lists), key_style ("lines" or
# "linespoints").
set lmargin at screen 0.665
set rmargin at screen 0.99
set tmargin at screen 0.87
set bmargin at screen 0.12
unset border
unset tics
unset grid
unset xlabel
unset ylabel
set xrange [0:1]
set yrange [0:1]
set key inside left top vertical Left reverse samplen 2.5 spacing 1 font ",8" maxrows 60
plot for [i = 1:words(names)] NaN with @key_style lw 1.5 pt 7 ps 0.8 lc rgb word(colours, i) dt int(word(dashes, i)) title word(key_titles, i)
