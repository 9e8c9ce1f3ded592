# Sorting in awk, for the scripts and plots (POSIX awk, mawk too): a stable
# bottom-up merge sort, O(n log n) however the input is ordered; the
# insertion sorts it replaced made a sweep of many runs take quadratic time.

# Sorts list[1..n] in place, stably; with carry, items[1..n] moves along
# with it. how: "n" as numbers, "s" as strings (byte order under LC_ALL=C);
# anything else is the caller's own order, sort_precedes_custom(a, b, how),
# which the program then defines.
function sort_list(list, n, how, items, carry,    width, low, middle, high, i, j, k, merged, carried, numbers, strings, first) {
  numbers = how == "n"; strings = how == "s"
  for (width = 1; width < n; width *= 2) {
    for (low = 1; low + width <= n; low += 2 * width) {
      middle = low + width - 1
      high = middle + width
      if (high > n) high = n
      i = low; j = middle + 1; k = 0
      while (i <= middle && j <= high) {
        # The right one first only if it precedes: equal ones keep their order.
        if (numbers) first = list[j] + 0 < list[i] + 0
        else if (strings) first = list[j] "" < list[i] ""
        else first = sort_precedes_custom(list[j], list[i], how)
        if (first) { merged[++k] = list[j]; if (carry) carried[k] = items[j]; j++ }
        else { merged[++k] = list[i]; if (carry) carried[k] = items[i]; i++ }
      }
      while (i <= middle) { merged[++k] = list[i]; if (carry) carried[k] = items[i]; i++ }
      while (j <= high) { merged[++k] = list[j]; if (carry) carried[k] = items[j]; j++ }
      for (i = 1; i <= k; i++) list[low + i - 1] = merged[i]
      if (carry) for (i = 1; i <= k; i++) items[low + i - 1] = carried[i]
    }
  }
}

# The k-th smallest of list[1..n] as numbers (list reordered), in expected
# linear time: a quickselect with random pivots and three-way partitions,
# so that many equal values (a column of zeros) cost no more than others.
function select_number(list, n, k,    low, high, pivot, less, more, i, t, v) {
  low = 1; high = n
  while (low < high) {
    pivot = list[low + int(rand() * (high - low + 1))] + 0
    less = low; more = high; i = low
    while (i <= more) {
      v = list[i] + 0
      if (v < pivot) { t = list[less]; list[less] = list[i]; list[i] = t; less++; i++ }
      else if (v > pivot) { t = list[more]; list[more] = list[i]; list[i] = t; more-- }
      else i++
    }
    # Now list[low..less-1] < pivot = list[less..more] < list[more+1..high].
    if (k < less) high = less - 1
    else if (k > more) low = more + 1
    else return pivot
  }
  return list[k] + 0
}

# The median of list[1..n] (n > 0) as numbers; list is reordered.
function median_number(list, n,    half, low) {
  half = int((n + 1) / 2)
  low = select_number(list, n, half)
  return n % 2 ? low : (low + select_number(list, n, half + 1)) / 2
}
